'use client';

import { DatabasesPage } from '../../../features/database/databases-page';

export default function Page() {
  return <DatabasesPage />;
}
