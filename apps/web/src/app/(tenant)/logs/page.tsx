'use client';

import { LogsPage } from '../../../features/logs/logs-page';

export default function Page() {
  return <LogsPage />;
}
