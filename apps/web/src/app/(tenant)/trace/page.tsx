'use client';

import { TraceView } from '../../../features/trace/trace-view';

export default function Page() {
  return <TraceView />;
}
