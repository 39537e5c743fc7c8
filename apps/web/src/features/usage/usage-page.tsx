'use client';

import { Empty, QueryState } from '../../components/states';
import { useApiQuery, type Output } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { useTenant } from '../../lib/tenant';
import { usageMessages } from './messages';
import { formatBytes, signalTable, SIGNALS, todayBySignal, type UsageCounters } from './usage-view';

const LIMIT_FIELDS = ['spansPerSecond', 'dataPointsPerSecond', 'logRecordsPerSecond', 'bytesPerSecond'] as const;

/** The tenant's ingest limits (effective, override or default) and its metered usage: readable by every member. */
export function UsagePage() {
  const t = useMessages(usageMessages);
  const tenant = useTenant();
  const params = { tenant: tenant.slug };
  const limits = useApiQuery('getIngestLimits', { params });
  const usage = useApiQuery('getIngestUsage', { params, query: {} }, { refetchInterval: 30_000 });
  return (
    <div className="stack">
      <section className="card" aria-labelledby="limits-title">
        <h2 id="limits-title">{t.limitsTitle}</h2>
        <p className="hint">{t.limitsIntro}</p>
        <QueryState query={limits} failedTitle={t.failedLimits}>
          {(data) => <LimitsTable limits={data} />}
        </QueryState>
      </section>
      <QueryState query={usage} loadingLabel={t.loadingUsage} failedTitle={t.failedUsage}>
        {(data) => <UsageSections usage={data} />}
      </QueryState>
    </div>
  );
}

function LimitsTable({ limits }: { limits: Output<'getIngestLimits'> }) {
  const t = useMessages(usageMessages);
  const fmt = useFormat();
  const value = (field: (typeof LIMIT_FIELDS)[number], n: number) => (field === 'bytesPerSecond' ? formatBytes(fmt, n) : fmt.number(n));
  return (
    <>
      <table className="table" data-testid="ingest-limits">
        <thead>
          <tr>
            <th>{t.colLimit}</th>
            <th>{t.colValue}</th>
            <th>{t.colSource}</th>
          </tr>
        </thead>
        <tbody>
          {LIMIT_FIELDS.map((field) => {
            const l = limits[field];
            return (
              <tr key={field} data-limit={field} data-source={l.override === null ? 'default' : 'override'}>
                <td>{t[field]}</td>
                <td>
                  <strong>{value(field, l.effective)}</strong>
                </td>
                <td>
                  {l.override === null ? <span className="muted">{t.byDefault}</span> : <span className="badge">{t.overrideOf(value(field, l.default))}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">{t.burst(fmt.number(limits.burstSeconds, 1))}</p>
      <p className="hint">{t.limitsWho}</p>
    </>
  );
}

function UsageSections({ usage }: { usage: Output<'getIngestUsage'> }) {
  const t = useMessages(usageMessages);
  const today = todayBySignal(usage);
  return (
    <>
      <section className="card" aria-labelledby="usage-today">
        <h2 id="usage-today">{t.todayTitle(usage.today)}</h2>
        <table className="table" data-testid="usage-today">
          <thead>
            <tr>
              <th>{t.colSignal}</th>
              <CounterHeads />
            </tr>
          </thead>
          <tbody>
            {SIGNALS.map((signal) => (
              <tr key={signal} data-signal={signal}>
                <td>{t[signal]}</td>
                <CounterCells c={today[signal]} />
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="usage-history">
        <h2 id="usage-history">{t.historyTitle(usage.from, usage.to)}</h2>
        <p className="hint">{t.historyIntro}</p>
        {SIGNALS.map((signal) => {
          const { rows, total } = signalTable(usage, signal);
          return (
            <section key={signal} aria-label={t[signal]} data-testid={`usage-${signal}`}>
              <h3>{t[signal]}</h3>
              {rows.length === 0 ? (
                <Empty title={t.noUsage} />
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t.colDay}</th>
                      <CounterHeads />
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.day} data-day={r.day}>
                        <td>{r.day}</td>
                        <CounterCells c={r} />
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr data-day="total">
                      <th>{t.total}</th>
                      <CounterCells c={total} />
                    </tr>
                  </tfoot>
                </table>
              )}
            </section>
          );
        })}
      </section>
    </>
  );
}

function CounterHeads() {
  const t = useMessages(usageMessages);
  return (
    <>
      <th>{t.colAccepted}</th>
      <th>{t.colAcceptedBytes}</th>
      <th>{t.colRejected}</th>
      <th>{t.colThrottled}</th>
      <th>{t.colThrottledBytes}</th>
    </>
  );
}

function CounterCells({ c }: { c: UsageCounters }) {
  const fmt = useFormat();
  return (
    <>
      <td data-col="acceptedItems">{fmt.number(c.acceptedItems)}</td>
      <td data-col="acceptedBytes">{formatBytes(fmt, c.acceptedBytes)}</td>
      <td data-col="rejectedItems">{fmt.number(c.rejectedItems)}</td>
      <td data-col="throttledItems">{fmt.number(c.throttledItems)}</td>
      <td data-col="throttledBytes">{formatBytes(fmt, c.throttledBytes)}</td>
    </>
  );
}
