'use client';

/** The logs of one trace, shown as a tab of the trace view (being built). */
export function TraceLogs({ traceId }: { traceId: string }) {
  return <p data-trace-id={traceId} />;
}
