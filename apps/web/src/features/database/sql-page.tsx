'use client';

import { STATEMENT_SORT_KEYS, TRANSACTION_SORT_KEYS } from '@meridian/api-contract';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { Empty, QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import styles from './database.module.css';
import { databaseMessages } from './messages';

const WINDOWS = ['15m', '1h', '6h'] as const;
const DEFAULT_WINDOW = '1h';
const DEFAULT_THRESHOLD = 10;
const REFRESH_MS = 30_000;
type StatementSort = (typeof STATEMENT_SORT_KEYS)[number];
type TransactionSort = (typeof TRANSACTION_SORT_KEYS)[number];

const STATEMENT_SORT_LABEL = { calls: 'sortCalls', totalTime: 'sortTotalTime', p95: 'sortP95', errors: 'sortErrors', perTxn: 'sortPerTxn' } as const;
const TRANSACTION_SORT_LABEL = { queries: 'sortQueries', dbTime: 'sortDbTime', maxRepeat: 'sortMaxRepeat' } as const;

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : fallback;
}

/**
 * SQL statistics: per endpoint how many queries one transaction runs and how long they take,
 * the statements ranked, transactions sortable by query count, and the N+1 findings. Every
 * choice lives in the URL, so a view can be shared.
 */
export function SqlPage() {
  const t = useMessages(databaseMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const last = pick(search.get('last'), WINDOWS, DEFAULT_WINDOW);
  const service = search.get('service') || undefined;
  const endpoint = search.get('endpoint') || undefined;
  const sort = pick<StatementSort>(search.get('sort'), STATEMENT_SORT_KEYS, 'totalTime');
  const tsort = pick<TransactionSort>(search.get('tsort'), TRANSACTION_SORT_KEYS, 'queries');
  const threshold = Math.max(2, Math.round(Number(search.get('threshold')) || DEFAULT_THRESHOLD));
  const setView = (patch: Record<string, string | number | undefined>) => {
    const current = { last: last === DEFAULT_WINDOW ? undefined : last, service, endpoint, sort: sort === 'totalTime' ? undefined : sort, tsort: tsort === 'queries' ? undefined : tsort, threshold: threshold === DEFAULT_THRESHOLD ? undefined : threshold };
    router.replace(tenantHref('/sql', tenant.slug, { ...current, ...patch }));
  };

  const params = { tenant: tenant.slug };
  const live = { refetchInterval: REFRESH_MS };
  const endpoints = useApiQuery('sqlEndpoints', { params, query: { last } }, live);
  const statements = useApiQuery('sqlStatements', { params, query: { last, service, endpoint, sort, limit: 50 } }, live);
  const transactions = useApiQuery('sqlTransactions', { params, query: { last, service, endpoint, sort: tsort, limit: 50 } }, live);
  const nPlusOne = useApiQuery('sqlNPlusOne', { params, query: { last, service, endpoint, threshold } }, live);
  const services = useMemo(() => [...new Set((endpoints.data?.endpoints ?? []).map((e) => e.service))].sort(), [endpoints.data]);
  const shownEndpoints = (endpoints.data?.endpoints ?? []).filter((e) => !service || e.service === service);
  const traceHref = (id: string) => tenantHref('/trace', tenant.slug, { id });

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.sqlTitle}</h1>
          <p className="hint">{t.sqlIntro}</p>
        </div>
        <div className={styles.sorts} role="group" aria-label={t.window}>
          {WINDOWS.map((w) => (
            <button key={w} type="button" className={`btn btn-small ${w === last ? styles.on : ''}`} aria-pressed={w === last} onClick={() => setView({ last: w === DEFAULT_WINDOW ? undefined : w })}>
              {t.spanLabel(w)}
            </button>
          ))}
        </div>
      </div>
      <div className={styles.controls}>
        <label>
          {t.service}{' '}
          <select className="input" value={service ?? ''} onChange={(e) => setView({ service: e.target.value || undefined, endpoint: undefined })} data-testid="sql-service">
            <option value="">{t.allServices}</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {endpoint && (
          <span>
            {t.endpoint}: <code>{endpoint}</code>{' '}
            <button type="button" className="btn btn-small" onClick={() => setView({ endpoint: undefined })}>
              {t.allEndpoints}
            </button>
          </span>
        )}
      </div>

      <section className="stack">
        <h2>{t.endpointsTitle}</h2>
        <QueryState query={endpoints} loadingLabel={t.loading} failedTitle={t.failed}>
          {() =>
            shownEndpoints.length === 0 ? (
          <Empty title={t.noSqlInWindow}>
            <p>{t.noSqlHelp}</p>
          </Empty>
        ) : (
          <table className={`table ${styles.table}`} data-testid="sql-endpoints">
            <thead>
              <tr>
                <th>{t.colEndpoint}</th>
                <th className={styles.num}>{t.colTransactions}</th>
                <th className={styles.num}>{t.colQueriesAvg}</th>
                <th className={styles.num}>{t.colQueriesMax}</th>
                <th className={styles.num}>{t.colDbTimeAvg}</th>
                <th className={styles.num}>{t.colDbTimeMax}</th>
                <th className={styles.num}>{t.colStatements}</th>
                <th className={styles.num}>{t.colErrors}</th>
              </tr>
            </thead>
            <tbody>
              {shownEndpoints.map((e) => {
                const selected = e.service === service && e.endpoint === endpoint;
                return (
                  <tr key={`${e.service} ${e.endpoint}`} className={`${styles.clickable} ${selected ? styles.selected : ''}`} onClick={() => setView({ service: e.service, endpoint: selected ? undefined : e.endpoint })} title={t.statementsBy(`${e.service} ${e.endpoint}`)}>
                    <td>
                      <strong>{e.service}</strong> <code>{e.endpoint}</code>
                    </td>
                    <td className={styles.num}>{fmt.number(e.transactions)}</td>
                    <td className={`${styles.num} ${e.queriesPerTxnAvg >= threshold ? styles.flag : ''}`}>{fmt.number(e.queriesPerTxnAvg, 1)}</td>
                    <td className={`${styles.num} ${e.queriesPerTxnMax >= threshold ? styles.flag : ''}`}>{fmt.number(e.queriesPerTxnMax)}</td>
                    <td className={styles.num}>{fmt.duration(e.dbTimePerTxnMs)}</td>
                    <td className={styles.num}>{fmt.duration(e.dbTimePerTxnMaxMs)}</td>
                    <td className={styles.num}>{fmt.number(e.statements)}</td>
                    <td className={`${styles.num} ${e.errors ? styles.bad : ''}`}>{fmt.number(e.errors)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          )}
        </QueryState>
      </section>

      <section className="stack">
        <div className={styles.sectionHead}>
          <div>
            <h2>{t.nPlusOneTitle}</h2>
            <span className="hint">{t.nPlusOneIntro(threshold)}</span>
          </div>
          <label>
            {t.threshold}{' '}
            <input className={`input ${styles.threshold}`} type="number" min={2} value={threshold} onChange={(e) => setView({ threshold: Number(e.target.value) || undefined })} data-testid="nplusone-threshold" />
          </label>
        </div>
        <QueryState query={nPlusOne} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) =>
            data.findings.length === 0 ? (
          <p className="hint">{t.noNPlusOne}</p>
        ) : (
          <table className={`table ${styles.table}`} data-testid="nplusone">
            <thead>
              <tr>
                <th>{t.colEndpoint}</th>
                <th>{t.colStatement}</th>
                <th className={styles.num}>{t.colRepeats}</th>
                <th className={styles.num}>{t.colAffected}</th>
                <th className={styles.num}>{t.colDbTime}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.findings.map((f) => (
                <tr key={`${f.service} ${f.endpoint} ${f.fingerprint}`}>
                  <td>
                    <strong>{f.service}</strong> <code>{f.endpoint}</code>
                  </td>
                  <td className={styles.sql}>{f.fingerprint}</td>
                  <td className={`${styles.num} ${styles.flag}`}>
                    {t.times(fmt.number(f.maxRepeat))} / {t.times(fmt.number(f.avgRepeat, 1))}
                  </td>
                  <td className={styles.num}>{fmt.number(f.transactions)}</td>
                  <td className={styles.num}>{fmt.duration(f.totalMs)}</td>
                  <td>
                    <Link href={traceHref(f.exampleTraceId)}>{t.example}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
        </QueryState>
      </section>

      <section className="stack">
        <div className={styles.sectionHead}>
          <h2>{t.statementsTitle}</h2>
          <div className={styles.sorts} role="group" aria-label={t.sortBy}>
            {STATEMENT_SORT_KEYS.map((k) => (
              <button key={k} type="button" className={`btn btn-small ${k === sort ? styles.on : ''}`} aria-pressed={k === sort} onClick={() => setView({ sort: k === 'totalTime' ? undefined : k })}>
                {t[STATEMENT_SORT_LABEL[k]]}
              </button>
            ))}
          </div>
        </div>
        <QueryState query={statements} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) =>
            data.statements.length === 0 ? (
          <p className="hint">{t.noSqlInWindow}</p>
        ) : (
          <table className={`table ${styles.table}`} data-testid="sql-statements">
            <thead>
              <tr>
                <th>{t.colStatement}</th>
                <th className={styles.num}>{t.colCalls}</th>
                <th className={styles.num}>{t.colTotal}</th>
                <th className={styles.num}>{t.colAvg}</th>
                <th className={styles.num}>{t.colP95}</th>
                <th className={styles.num}>{t.colErrors}</th>
                <th className={styles.num}>{t.colPerTxn}</th>
                <th>{t.colInstances}</th>
              </tr>
            </thead>
            <tbody>
              {data.statements.map((s) => (
                <tr key={s.fingerprintHash}>
                  <td className={styles.sql}>{s.fingerprint}</td>
                  <td className={styles.num}>{fmt.number(s.calls)}</td>
                  <td className={styles.num}>{fmt.duration(s.totalMs)}</td>
                  <td className={styles.num}>{fmt.duration(s.avgMs)}</td>
                  <td className={styles.num}>{fmt.duration(s.p95Ms)}</td>
                  <td className={`${styles.num} ${s.errors ? styles.bad : ''}`}>{fmt.number(s.errors)}</td>
                  <td className={`${styles.num} ${s.callsPerTxn >= threshold ? styles.flag : ''}`}>{fmt.number(s.callsPerTxn, 1)}</td>
                  <td className="hint">{s.instances.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
        </QueryState>
      </section>

      <section className="stack">
        <div className={styles.sectionHead}>
          <h2>{t.transactionsTitle}</h2>
          <div className={styles.sorts} role="group" aria-label={t.sortBy}>
            {TRANSACTION_SORT_KEYS.map((k) => (
              <button key={k} type="button" className={`btn btn-small ${k === tsort ? styles.on : ''}`} aria-pressed={k === tsort} onClick={() => setView({ tsort: k === 'queries' ? undefined : k })}>
                {t[TRANSACTION_SORT_LABEL[k]]}
              </button>
            ))}
          </div>
        </div>
        <QueryState query={transactions} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) =>
            data.transactions.length === 0 ? (
          <p className="hint">{t.noSqlInWindow}</p>
        ) : (
          <table className={`table ${styles.table}`} data-testid="sql-transactions">
            <thead>
              <tr>
                <th>{t.colStart}</th>
                <th>{t.colEndpoint}</th>
                <th className={styles.num}>{t.colDuration}</th>
                <th className={styles.num}>{t.colQueries}</th>
                <th className={styles.num}>{t.colDbTime}</th>
                <th>{t.colTopStatement}</th>
              </tr>
            </thead>
            <tbody>
              {data.transactions.map((x) => (
                <tr key={`${x.traceId} ${x.service}`}>
                  <td className="nowrap">
                    <Link href={traceHref(x.traceId)} title={t.openTrace}>
                      {fmt.dateTime(x.startTime)}
                    </Link>
                  </td>
                  <td>
                    <strong>{x.service}</strong> <code>{x.endpoint}</code>
                  </td>
                  <td className={`${styles.num} ${x.isError ? styles.bad : ''}`}>{x.durationMs === null ? '–' : fmt.duration(x.durationMs)}</td>
                  <td className={`${styles.num} ${x.maxRepeat >= threshold ? styles.flag : ''}`}>{fmt.number(x.queries)}</td>
                  <td className={styles.num}>{fmt.duration(x.dbTimeMs)}</td>
                  <td className={styles.sql}>
                    {t.times(fmt.number(x.maxRepeat))} {x.topStatement}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
        </QueryState>
      </section>
    </div>
  );
}
