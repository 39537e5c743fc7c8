'use client';

import { MetricsPage } from '../../../features/metrics/metrics-page';

export default function Page() {
  return <MetricsPage />;
}
