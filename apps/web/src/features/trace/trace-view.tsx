'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { ApiError, useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { transactionView, viewParams } from '../hitmap/view';
import { TraceLogs } from '../logs/trace-logs';
import { findNPlusOne, foldRows, isPoolSpan, nPlusOneKey, statementOf, type DisplayRow } from './folding';
import { traceMessages } from './messages';
import { errorFacts, httpFacts, nanosToMs, spanCategory, spanEndMs, spanStartMs, sqlFacts, type TraceSpan } from './span-facts';
import styles from './trace.module.css';
import { layoutWaterfall, rulerTicks } from './waterfall';

type Messages = (typeof traceMessages)['en'];
const TRACE_ID_RE = /^[0-9a-fA-F]{32}$/;

/** `/trace?tenant=…&id=<trace id>[&span=<span id>][&tab=logs]`: one trace, its waterfall and what each span did, or its logs. */
export function TraceView() {
  const t = useMessages(traceMessages);
  const tenant = useTenant();
  const search = useSearchParams();
  const id = search.get('id') ?? '';
  const valid = TRACE_ID_RE.test(id);
  const trace = useApiQuery('trace', { params: { tenant: tenant.slug, traceId: id } }, { enabled: valid, staleTime: 5 * 60_000 });
  const backLink = (
    <Link href={tenantHref('/hitmap', tenant.slug)} className="hint">
      ← {t.backToHitmap}
    </Link>
  );

  if (!valid) return <Empty title={t.badId}>{backLink}</Empty>;
  if (trace.isPending) return <Loading label={t.loading} />;
  if (trace.error instanceof ApiError && trace.error.status === 404) {
    return (
      <Empty title={t.notFound}>
        <p>{t.notFoundHelp}</p>
        <p>
          <button type="button" className="btn btn-small" onClick={() => void trace.refetch()}>
            ↻
          </button>{' '}
          {backLink}
        </p>
      </Empty>
    );
  }
  if (trace.error) return <ErrorNotice error={trace.error} title={t.failed} onRetry={() => void trace.refetch()} />;
  return <TraceBody traceId={trace.data.traceId} spans={trace.data.spans} selectedId={search.get('span')} logsTab={search.get('tab') === 'logs'} />;
}

function TraceBody({ traceId, spans, selectedId, logsTab }: { traceId: string; spans: TraceSpan[]; selectedId: string | null; logsTab: boolean }) {
  const t = useMessages(traceMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const waterfall = useMemo(() => layoutWaterfall(spans), [spans]);
  const nPlusOne = useMemo(() => findNPlusOne(spans), [spans]);
  // Runs of repeated siblings start folded; these (first span ids) were opened.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const display = useMemo(() => foldRows(waterfall.rows, expanded, new Set(nPlusOne.map((n) => n.key))), [waterfall, expanded, nPlusOne]);
  const toggle = (key: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const n1Keys = new Set(nPlusOne.map((n) => n.key));
  const root = waterfall.rows[0].span;
  const entry = spans.find((s) => s.isEntry && s.spanId === root.spanId) ?? spans.find((s) => s.isEntry) ?? root;
  const selected = spans.find((s) => s.spanId === selectedId) ?? root;
  const select = (spanId: string) => router.replace(tenantHref('/trace', tenant.slug, { id: traceId, span: spanId }), { scroll: false });
  const sql = spans.flatMap((s) => {
    const f = sqlFacts(s);
    return f ? [{ s, f }] : [];
  });
  const http = spans.flatMap((s) => {
    const f = httpFacts(s);
    return f ? [{ s, f }] : [];
  });
  const errors = spans.flatMap((s) => {
    const f = errorFacts(s);
    return f ? [{ s, f }] : [];
  });
  const offsetOf = (s: TraceSpan) => Number(BigInt(s.startUnixNanos) - waterfall.startNanos) / 1e6;
  const hitmapLink = tenantHref(
    '/hitmap',
    tenant.slug,
    viewParams(transactionView({ endMs: spanEndMs(entry), durationMs: entry.durationMs, service: entry.service, endpoint: entry.endpoint })),
  );

  return (
    <div className={styles.page}>
      <div className="page-head">
        <div>
          <h1>
            {t.title}{' '}
            <span className={styles.endpoint}>
              {entry.service} · {entry.endpoint || entry.spanName}
            </span>
          </h1>
          <p className={`hint ${styles.traceId}`}>{traceId}</p>
        </div>
        <Link className="btn btn-small" href={hitmapLink}>
          {t.showOnHitmap}
        </Link>
      </div>
      <dl className={styles.stats}>
        <div>
          <dt>{t.started}</dt>
          <dd>{fmt.dateTime(spanStartMs(waterfall.rows[0].span))}</dd>
        </div>
        <div>
          <dt>{t.duration}</dt>
          <dd>{fmt.duration(waterfall.totalMs)}</dd>
        </div>
        <div>
          <dt>{t.spans}</dt>
          <dd>{fmt.number(spans.length)}</dd>
        </div>
        <div>
          <dt>{t.services}</dt>
          <dd>{new Set(spans.map((s) => s.service)).size}</dd>
        </div>
        <div>
          <dt>{t.errors}</dt>
          <dd className={errors.length ? styles.errorText : undefined}>{fmt.number(errors.length)}</dd>
        </div>
      </dl>

      <nav className="tabs" aria-label={t.tabsLabel}>
        {[false, true].map((logs) => (
          <Link
            key={String(logs)}
            href={tenantHref('/trace', tenant.slug, { id: traceId, span: selectedId ?? undefined, tab: logs ? 'logs' : undefined })}
            className={logs === logsTab ? 'active' : undefined}
            aria-current={logs === logsTab ? 'page' : undefined}
            replace
            scroll={false}
          >
            {logs ? t.tabLogs : t.tabTimeline}
          </Link>
        ))}
      </nav>

      {logsTab ? (
        <section className="card" aria-label={t.tabLogs} data-testid="trace-logs">
          <TraceLogs traceId={traceId} />
        </section>
      ) : (
        <>
          {nPlusOne.length > 0 && (
            <section className="notice notice-warn" aria-label={t.nPlusOne} data-testid="n-plus-one">
              <strong>{t.nPlusOne}</strong> <span className="hint">{t.nPlusOneHelp}</span>
              <ul className={styles.nPlusOne}>
                {nPlusOne.map((n) => (
                  <li key={n.key}>
                    <code className={styles.sql}>{n.statement}</code> {t.nPlusOneItem(n.count, n.parent ? `${n.parent.service} · ${n.parent.spanName}` : '—')}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="card" aria-label={t.waterfall} data-testid="waterfall">
            <h2>
              {t.waterfall} <span className="hint">{t.waterfallHelp}</span>
            </h2>
            <Waterfall
              rows={display}
              totalMs={waterfall.totalMs}
              selectedId={selected.spanId}
              onSelect={select}
              expanded={expanded}
              onToggle={toggle}
              fmt={fmt}
              t={t}
            />
          </section>

          <div className={styles.columns}>
            <section className="card" aria-label={t.details} data-testid="span-details">
              <h2>
                {t.details}: <span className={styles.endpoint}>{selected.spanName}</span>
              </h2>
              <SpanDetails span={selected} offsetMs={offsetOf(selected)} fmt={fmt} t={t} />
            </section>
            <div className={styles.side}>
              <section className="card" aria-label={t.sqlStatements(sql.length)} data-testid="sql-steps">
                <h2>{t.sqlStatements(sql.length)}</h2>
                {sql.length === 0 ? (
                  <p className="state">{t.none}</p>
                ) : (
                  <table className="table">
                    <thead>
                      <tr>
                        <th className={styles.num}>{t.colAt}</th>
                        <th className={styles.num}>{t.colDuration}</th>
                        <th>{t.colStatement}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {sql.map(({ s, f }) => (
                        <tr key={s.spanId} className={s.spanId === selected.spanId ? styles.selectedRow : undefined} onClick={() => select(s.spanId)}>
                          <td className={styles.num}>+{fmt.duration(offsetOf(s))}</td>
                          <td className={styles.num}>{fmt.duration(s.durationMs)}</td>
                          <td>
                            {n1Keys.has(nPlusOneKey(s)) && <span className={`badge ${styles.nPlusOneBadge}`}>{t.nPlusOneBadge}</span>}{' '}
                            <code className={styles.sql}>{f.fingerprint}</code>
                            <div className="hint">{[f.system, f.instance, f.dbName].filter(Boolean).join(' · ')}</div>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              <section className="card" aria-label={t.httpCalls(http.length)}>
                <h2>{t.httpCalls(http.length)}</h2>
                {http.length === 0 ? (
                  <p className="state">{t.none}</p>
                ) : (
                  <table className="table">
                    <thead>
                      <tr>
                        <th className={styles.num}>{t.colAt}</th>
                        <th>{t.colRequest}</th>
                        <th className={styles.num}>{t.colStatus}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {http.map(({ s, f }) => (
                        <tr key={s.spanId} className={s.spanId === selected.spanId ? styles.selectedRow : undefined} onClick={() => select(s.spanId)}>
                          <td className={styles.num}>+{fmt.duration(offsetOf(s))}</td>
                          <td>
                            <span className="badge">{f.direction === 'in' ? t.incoming : t.outgoing}</span> <strong>{f.method}</strong>{' '}
                            <span className={styles.endpoint}>{f.target}</span>
                            {f.path && <div className="hint">{f.path}</div>}
                          </td>
                          <td className={`${styles.num} ${f.status >= 500 ? styles.errorText : ''}`}>{f.status || '–'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              <section className="card" aria-label={t.errorList(errors.length)}>
                <h2>{t.errorList(errors.length)}</h2>
                {errors.length === 0 ? (
                  <p className="state">{t.none}</p>
                ) : (
                  <ul className={styles.errorList}>
                    {errors.map(({ s, f }) => (
                      <li key={s.spanId}>
                        <button type="button" className="link-button" onClick={() => select(s.spanId)}>
                          {s.service} · {s.spanName}
                        </button>
                        {f.statusMessage && <div className={styles.errorText}>{f.statusMessage}</div>}
                        {f.exceptions.map((x, i) => (
                          <div key={i}>
                            {x.type && <strong>{x.type}: </strong>}
                            {x.message}
                          </div>
                        ))}
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </div>
          </div>
        </>
      )}
    </div>
  );
}

function Waterfall({
  rows,
  totalMs,
  selectedId,
  onSelect,
  expanded,
  onToggle,
  fmt,
  t,
}: {
  rows: DisplayRow<TraceSpan>[];
  totalMs: number;
  selectedId: string;
  onSelect(id: string): void;
  expanded: ReadonlySet<string>;
  onToggle(key: string): void;
  fmt: Formatter;
  t: Messages;
}) {
  const ticks = rulerTicks(totalMs);
  const grid = ticks.map((tick) => <i key={tick} className={styles.gridLine} style={{ left: `${totalMs > 0 ? (tick / totalMs) * 100 : 0}%` }} />);
  const n1Badge = <span className={`badge ${styles.nPlusOneBadge}`}>{t.nPlusOneBadge}</span>;
  return (
    <div className={styles.waterfall} role="table" aria-label={t.waterfall}>
      <div className={styles.wfHead} role="row">
        <div role="columnheader">{t.colSpan}</div>
        <div className={styles.ruler} role="columnheader">
          {ticks.map((tick) => (
            <span key={tick} style={{ left: `${totalMs > 0 ? (tick / totalMs) * 100 : 0}%` }}>
              {fmt.duration(tick)}
            </span>
          ))}
        </div>
      </div>
      {rows.map((d) => {
        if (d.kind === 'fold') {
          const s = d.rows[0].span;
          const label = statementOf(s) || s.spanName;
          return (
            <div
              key={`fold-${d.key}`}
              role="row"
              className={`${styles.wfRow} ${styles.foldRow}`}
              data-fold-count={d.rows.length}
              onClick={() => onToggle(d.key)}
            >
              <div role="cell" className={styles.wfName} style={{ paddingLeft: `${d.depth * 14 + 4}px` }}>
                <button
                  type="button"
                  className="link-button"
                  aria-expanded={false}
                  title={t.expandFold(d.rows.length)}
                  onClick={(e) => (e.stopPropagation(), onToggle(d.key))}
                >
                  ▸ {label}
                </button>{' '}
                <strong>{t.foldedCount(d.rows.length)}</strong> {d.nPlusOne && n1Badge} <span className="hint">{s.service}</span>
              </div>
              <div role="cell" className={styles.wfTrack}>
                {grid}
                <span
                  className={`${styles.bar} ${styles.foldBar} ${styles[`bar_${spanCategory(s)}`]}`}
                  style={{ left: `${d.left * 100}%`, width: `${d.width * 100}%` }}
                />
                <span className={styles.barLabel} style={{ left: `${Math.min(d.left * 100, 85)}%` }}>
                  Σ {fmt.duration(d.totalMs)}
                </span>
              </div>
            </div>
          );
        }
        const r = d.row;
        const s = r.span;
        const active = s.spanId === selectedId;
        return (
          <div
            key={s.spanId}
            role="row"
            className={`${styles.wfRow} ${active ? styles.selectedRow : ''}`}
            onClick={() => onSelect(s.spanId)}
            data-span-id={s.spanId}
          >
            <div role="cell" className={styles.wfName} style={{ paddingLeft: `${r.depth * 14 + 4}px` }}>
              {expanded.has(s.spanId) && (
                <button
                  type="button"
                  className="link-button"
                  aria-expanded
                  title={t.collapseFold}
                  aria-label={t.collapseFold}
                  onClick={(e) => (e.stopPropagation(), onToggle(s.spanId))}
                >
                  ▾
                </button>
              )}{' '}
              <button type="button" className="link-button" aria-pressed={active} onClick={(e) => (e.stopPropagation(), onSelect(s.spanId))} title={s.spanName}>
                {s.spanName}
              </button>{' '}
              {d.nPlusOne && n1Badge} <span className="hint">{s.service}</span>
              {isPoolSpan(s) && <span className="hint"> ({t.pool})</span>}
              {r.orphan && <span className={`hint ${styles.orphan}`}> ({t.orphan})</span>}
            </div>
            <div role="cell" className={styles.wfTrack}>
              {grid}
              <span className={`${styles.bar} ${styles[`bar_${spanCategory(s)}`]}`} style={{ left: `${r.left * 100}%`, width: `${r.width * 100}%` }} />
              <span className={styles.barLabel} style={{ left: `${Math.min(r.left * 100, 85)}%` }}>
                {fmt.duration(r.durationMs)}
              </span>
            </div>
          </div>
        );
      })}
    </div>
  );
}

function SpanDetails({ span: s, offsetMs, fmt, t }: { span: TraceSpan; offsetMs: number; fmt: Formatter; t: Messages }) {
  const sql = sqlFacts(s);
  const http = httpFacts(s);
  const err = errorFacts(s);
  return (
    <div className={styles.details}>
      <dl className="facts">
        <dt>{t.service}</dt>
        <dd>{s.service}</dd>
        <dt>{t.kind}</dt>
        <dd>{s.kind}</dd>
        <dt>{t.offset}</dt>
        <dd>
          +{fmt.duration(offsetMs)} · {fmt.dateTime(spanStartMs(s))}
        </dd>
        <dt>{t.duration}</dt>
        <dd>{fmt.duration(s.durationMs)}</dd>
        <dt>{t.status}</dt>
        <dd className={s.isError ? styles.errorText : undefined}>{s.statusCode}</dd>
        {s.hostName && (
          <>
            <dt>{t.host}</dt>
            <dd>{s.hostName}</dd>
          </>
        )}
        {s.scopeName && (
          <>
            <dt>{t.scope}</dt>
            <dd>
              {s.scopeName} {s.scopeVersion}
            </dd>
          </>
        )}
      </dl>
      {sql && (
        <div>
          <h3>
            {t.sql} <span className="hint">{[sql.system, sql.instance, sql.dbName, sql.operation].filter(Boolean).join(' · ')}</span>
          </h3>
          <p className="hint">{t.normalized}</p>
          <pre className={styles.code}>{sql.fingerprint}</pre>
          {sql.raw && (
            <>
              <p className="hint">{t.raw}</p>
              <pre className={styles.code}>{sql.raw}</pre>
            </>
          )}
        </div>
      )}
      {http && (
        <div>
          <h3>{t.http}</h3>
          <p>
            <span className="badge">{http.direction === 'in' ? t.incoming : t.outgoing}</span> <strong>{http.method}</strong>{' '}
            <span className={styles.endpoint}>{http.target}</span>
            {http.path && <span className="hint"> ({http.path})</span>}{' '}
            {http.status > 0 && <strong className={http.status >= 500 ? styles.errorText : undefined}>→ {http.status}</strong>}
          </p>
        </div>
      )}
      {err && (
        <div>
          <h3 className={styles.errorText}>{t.errors}</h3>
          {err.statusMessage && (
            <p>
              {t.statusMessage}: {err.statusMessage}
            </p>
          )}
          {err.exceptions.map((x, i) => (
            <div key={i}>
              <p>
                <strong>{x.type || t.exception}</strong>: {x.message}
              </p>
              {x.stacktrace && (
                <details>
                  <summary>{t.stacktrace}</summary>
                  <pre className={styles.code}>{x.stacktrace}</pre>
                </details>
              )}
            </div>
          ))}
        </div>
      )}
      {s.events.length > 0 && (
        <div>
          <h3>{t.events}</h3>
          <ul className={styles.events}>
            {s.events.map((e, i) => (
              <li key={i}>
                <span className="hint">{fmt.time(nanosToMs(e.unixNanos))}</span> <strong>{e.name}</strong> <KeyValues map={e.attributes} inline />
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3>{t.attributes}</h3>
      <KeyValues map={s.attributes} empty={t.none} />
      <h3>{t.resource}</h3>
      <KeyValues map={s.resourceAttributes} empty={t.none} />
    </div>
  );
}

/** Attributes as a sorted key/value table (values are text; React escapes them). */
function KeyValues({ map, inline, empty }: { map: Record<string, string>; inline?: boolean; empty?: string }) {
  const entries = Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
  if (inline) return <span className="hint">{entries.map(([k, v]) => `${k}=${v}`).join(', ')}</span>;
  if (entries.length === 0) return <p className="state">{empty}</p>;
  return (
    <table className={`table ${styles.kv}`}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
