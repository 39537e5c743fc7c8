'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { DataTable } from '../../components/data-table';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { TimeSeriesChart, type SeriesLine } from '../../components/time-series-chart';
import { ApiError, useApiQuery, type Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { databaseColumns } from './columns';
import styles from './database.module.css';
import { databaseMessages, type DatabaseMessages } from './messages';

const REFRESH_MS = 10_000;
const SPANS = ['15m', '1h', '6h'] as const;
type Span = (typeof SPANS)[number];
const DEFAULT_SPAN: Span = '1h';
const SPAN_MS: Record<Span, number> = { '15m': 15 * 60_000, '1h': 3600_000, '6h': 6 * 3600_000 };
type Detail = Output<'dbInstance'>;

/** One database instance: health figures, sessions, blocking chains, top statements, throughput and latency. */
export function InstancePage() {
  const t = useMessages(databaseMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const instance = search.get('instance') ?? '';
  const span = (SPANS as readonly string[]).includes(search.get('last') ?? '') ? (search.get('last') as Span) : DEFAULT_SPAN;
  // A picked moment: sessions and blocking as the poll before it saw them, the charts ending there.
  const atParam = Number(search.get('at'));
  const at = Number.isFinite(atParam) && atParam > 0 ? atParam : undefined;
  const query = at === undefined ? { last: span } : { from: new Date(at - SPAN_MS[span]).toISOString(), to: new Date(at).toISOString() };
  const detail = useApiQuery(
    'dbInstance',
    { params: { tenant: tenant.slug, instance }, query },
    { enabled: instance !== '', refetchInterval: at === undefined ? REFRESH_MS : false },
  );
  const go = (next: { last?: Span; at?: number }) =>
    router.replace(
      tenantHref('/databases/instance', tenant.slug, { instance, last: (next.last ?? span) === DEFAULT_SPAN ? undefined : (next.last ?? span), at: next.at }),
      { scroll: false },
    );
  // A click on a chart picks the end of that minute (not beyond now).
  const pick = (t: number) => go({ at: Math.min(Date.now(), Math.floor(t / 60_000) * 60_000 + 60_000) });
  const back = (
    <Link href={tenantHref('/databases', tenant.slug)} className="hint">
      {t.back}
    </Link>
  );

  const series = detail.data?.series;
  const from = detail.data?.from;
  const to = detail.data?.to;
  const charts = useMemo(() => {
    const line = (name: string, value: (p: Point) => number | null): SeriesLine => ({ name, points: (series ?? []).map((p) => [p.t, value(p)]) });
    return {
      throughput: [line(t.seriesCalls, (p) => p.calls / 60), line(t.seriesServerOps, (p) => p.serverOpsPerSec)],
      latency: [line(t.seriesAvg, (p) => p.avgMs), line(t.seriesP95, (p) => p.p95Ms)],
      sessions: [line(t.sessionsChart, (p) => p.activeSessions)],
      locks: [line(t.seriesLockWaits, (p) => p.lockWaits), line(t.seriesBlocked, (p) => p.blockedSessions)],
      range: [Date.parse(from ?? ''), Date.parse(to ?? '')] as [number, number],
    };
  }, [series, from, to, t]);

  if (detail.isPending) return <Loading label={t.loading} />;
  if (detail.error) {
    return (
      <div className="stack">
        {back}
        {detail.error instanceof ApiError && detail.error.status === 404 ? (
          <Empty title={t.instanceMissing} />
        ) : (
          <ErrorNotice error={detail.error} title={t.failed} onRetry={() => void detail.refetch()} />
        )}
        {at !== undefined && (
          <button type="button" className="btn btn-small" onClick={() => go({})}>
            {t.backToLive}
          </button>
        )}
      </div>
    );
  }
  const d = detail.data;
  const h = d.health;
  const col = databaseColumns(t, fmt);
  return (
    <div className="stack" data-testid="db-instance">
      {back}
      <div className="page-head">
        <div>
          <h1>{h.name}</h1>
          <p className="hint">
            {h.system} · {h.instance}
            {h.cluster && ` · ${h.cluster}`} · {h.up === null ? t.clientOnly : h.up ? t.up : t.down}
            {h.lastSeen && ` · ${t.lastSeen} ${fmt.dateTime(h.lastSeen)}`}
          </p>
        </div>
      </div>
      <dl className={`card ${styles.health}`}>
        {(
          [
            [t.activeSessions, h.activeSessions === null ? '–' : fmt.number(h.activeSessions)],
            [t.lockWaits, h.lockWaits === null ? '–' : fmt.number(h.lockWaits)],
            [t.connectionUse, h.connectionUse === null ? '–' : fmt.percent(h.connectionUse)],
            [t.queryP95, h.queryP95Ms === null ? '–' : fmt.duration(h.queryP95Ms)],
            [t.errorRate, h.errorRate === null ? '–' : fmt.percent(h.errorRate)],
            [t.callsPerMin, fmt.number(h.callsPerMin, 1)],
          ] as const
        ).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>

      <div className={styles.timeBar}>
        <div role="group" aria-label={t.window} className={styles.spans}>
          {SPANS.map((s) => (
            <button key={s} type="button" className="btn btn-small" aria-pressed={s === span} onClick={() => go({ last: s, at })}>
              {t.spanLabel(s)}
            </button>
          ))}
        </div>
        {at === undefined ? (
          <span className="hint">{t.pickHint}</span>
        ) : (
          <span className="notice notice-info" data-testid="db-moment">
            {t.atMoment(fmt.dateTime(at))}
            <button type="button" className="btn btn-small" onClick={() => go({})}>
              {t.backToLive}
            </button>
          </span>
        )}
      </div>

      <div className={styles.charts}>
        {(
          [
            [t.throughputTitle, charts.throughput, undefined],
            [t.latencyTitle, charts.latency, undefined],
            [t.sessionsChart, charts.sessions, undefined],
            [t.locksTitle, charts.locks, 'db-locks-chart'],
          ] as const
        ).map(([title, lines, testId]) => (
          <TimeSeriesChart
            key={title}
            title={title}
            lines={lines}
            range={charts.range}
            fmt={fmt}
            format={(v) => fmt.number(v, 2)}
            onPick={pick}
            testId={testId}
            className={styles.chart}
          />
        ))}
      </div>

      <Chains chains={d.chains} t={t} fmt={fmt} />
      <Sessions sessions={d.sessions} t={t} fmt={fmt} />

      <section className="stack">
        <h2>{t.topStatementsTitle}</h2>
        <DataTable
          rows={d.statements}
          rowKey={(s) => s.fingerprintHash}
          className={styles.table}
          empty={<p className="hint">{t.noSqlInWindow}</p>}
          columns={[col.statement, col.calls, col.total, col.p95, col.errors]}
        />
      </section>

      <section className="stack">
        <h2>{t.serverStatementsTitle}</h2>
        <DataTable
          rows={d.serverStatements}
          rowKey={(s) => s.id}
          className={styles.table}
          empty={<p className="hint">{t.noServerStatements}</p>}
          columns={[col.statement, col.calls, col.total, col.avg]}
        />
      </section>
    </div>
  );
}

function Chains({ chains, t, fmt }: { chains: Detail['chains']; t: DatabaseMessages; fmt: Formatter }) {
  return (
    <section className="stack" data-testid="db-chains">
      <h2>{t.chainsTitle}</h2>
      {chains.length === 0 ? (
        <p className="hint">{t.noChains}</p>
      ) : (
        chains.map((c) => (
          <div key={c.rootId} className="card">
            <ul className={styles.chain}>
              <li>
                <strong>#{c.rootId}</strong> <span className="badge">{t.root}</span> <span className={styles.sql}>{c.rootQuery}</span>
              </li>
              {c.waiters.map((w) => (
                <li key={w.id} style={{ paddingLeft: `${w.depth * 1.5}rem` }}>
                  └ <strong>#{w.id}</strong> <span className={styles.bad}>{t.waits(fmt.duration(w.waitSeconds * 1000), w.lockMode, w.relation)}</span>{' '}
                  <span className={styles.sql}>{w.query}</span>
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}

function Sessions({ sessions, t, fmt }: { sessions: Detail['sessions']; t: DatabaseMessages; fmt: Formatter }) {
  return (
    <section className="stack">
      <h2>{t.sessionsTitle}</h2>
      <DataTable
        rows={sessions}
        rowKey={(s) => String(s.id)}
        testId="db-sessions"
        className={styles.table}
        empty={<p className="hint">{t.noSessions}</p>}
        columns={[
          { header: t.colSession, cell: (s) => `#${s.id}` },
          { header: t.colUser, cell: (s) => s.user },
          { header: t.colDatabase, cell: (s) => s.database },
          { header: t.colState, className: (s) => (s.state === 'waiting' ? styles.bad : undefined), cell: (s) => s.state },
          { header: t.colWait, className: 'hint', cell: (s) => s.waitEvent },
          { header: t.colSeconds, numeric: true, cell: (s) => fmt.duration(s.seconds * 1000) },
          { header: t.colBlockedBy, cell: (s) => s.blockedBy.map((b) => `#${b}`).join(', ') },
          { header: t.colQuery, className: styles.sql, cell: (s) => s.query },
        ]}
      />
    </section>
  );
}

type Point = Detail['series'][number];
