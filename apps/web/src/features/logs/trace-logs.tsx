'use client';

import Link from 'next/link';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { LogTable } from './log-table';
import { logsMessages } from './messages';

/** Logs are looked for this long before the trace's first span and after its last one (clock skew, late log lines). */
const MARGIN_MS = 5 * 60_000;
const MAX_WINDOW_MS = 24 * 3600_000;

/** The logs of one trace, shown as a tab of the trace view; its window comes from the trace's spans (the trace view's cached answer). */
export function TraceLogs({ traceId }: { traceId: string }) {
  const t = useMessages(logsMessages);
  const tenant = useTenant();
  const trace = useApiQuery('trace', { params: { tenant: tenant.slug, traceId } }, { staleTime: 5 * 60_000 });
  const spans = trace.data?.spans ?? [];
  const from = spans.length ? Math.min(...spans.map((s) => Date.parse(s.startTime))) - MARGIN_MS : 0;
  // The logs API reads at most a day; a longer trace shows the logs of its first day.
  const to = spans.length ? Math.min(Math.max(...spans.map((s) => Date.parse(s.endTime))) + MARGIN_MS, from + MAX_WINDOW_MS) : 0;
  const window = { from: String(from), to: String(to) };
  const logs = useApiQuery(
    'logs',
    { params: { tenant: tenant.slug }, query: { ...window, traceId: traceId.toLowerCase(), limit: 1000 } },
    { enabled: spans.length > 0, staleTime: 30_000 },
  );
  const error = trace.error ?? logs.error;
  if (error) return <ErrorNotice title={t.failed} error={error} />;
  if (!logs.data) return <Loading label={t.loading} />;
  const searchHref = tenantHref('/logs', tenant.slug, { traceId: traceId.toLowerCase(), from, to });
  return (
    <section className="stack" aria-label={t.traceLogsTitle} data-testid="trace-log-list">
      {logs.data.logs.length === 0 ? (
        <Empty title={t.traceLogsNone} />
      ) : (
        // Oldest first: the order the trace's spans ran in.
        <LogTable logs={[...logs.data.logs].reverse()} showTrace={false} />
      )}
      <Link href={searchHref} className="hint">
        {t.traceLogsAll} →
      </Link>
    </section>
  );
}
