'use client';

import { SqlPage } from '../../../features/database/sql-page';

export default function Page() {
  return <SqlPage />;
}
