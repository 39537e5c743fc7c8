'use client';

import { AlertsPage } from '../../../features/alerting/alerts-page';

export default function Page() {
  return <AlertsPage />;
}
