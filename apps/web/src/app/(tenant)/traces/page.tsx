'use client';

import { TracesPage } from '../../../features/traces/traces-page';

export default function Page() {
  return <TracesPage />;
}
