'use client';

import { STATEMENT_SORT_KEYS, TRANSACTION_SORT_KEYS } from '@meridian/api-contract';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { DataTable } from '../../components/data-table';
import { Empty, QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { databaseColumns } from './columns';
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
    const current = {
      last: last === DEFAULT_WINDOW ? undefined : last,
      service,
      endpoint,
      sort: sort === 'totalTime' ? undefined : sort,
      tsort: tsort === 'queries' ? undefined : tsort,
      threshold: threshold === DEFAULT_THRESHOLD ? undefined : threshold,
    };
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
  const col = databaseColumns(t, fmt);
  const flagAt = (n: number) => (n >= threshold ? styles.flag : undefined);
  const chosen = (e: { service: string; endpoint: string }) => e.service === service && e.endpoint === endpoint;

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.sqlTitle}</h1>
          <p className="hint">{t.sqlIntro}</p>
        </div>
        <ChoiceButtons
          label={t.window}
          choices={WINDOWS}
          value={last}
          onPick={(w) => setView({ last: w === DEFAULT_WINDOW ? undefined : w })}
          text={t.spanLabel}
        />
      </div>
      <div className={styles.controls}>
        <label>
          {t.service}{' '}
          <select
            className="input"
            value={service ?? ''}
            onChange={(e) => setView({ service: e.target.value || undefined, endpoint: undefined })}
            data-testid="sql-service"
          >
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
          {() => (
            <DataTable
              rows={shownEndpoints}
              rowKey={(e) => `${e.service} ${e.endpoint}`}
              testId="sql-endpoints"
              className={styles.table}
              empty={
                <Empty title={t.noSqlInWindow}>
                  <p>{t.noSqlHelp}</p>
                </Empty>
              }
              rowProps={(e) => ({ className: chosen(e) ? styles.selected : undefined, title: t.statementsBy(`${e.service} ${e.endpoint}`) })}
              onRowClick={(e) => setView({ service: e.service, endpoint: chosen(e) ? undefined : e.endpoint })}
              columns={[
                col.endpoint,
                { header: t.colTransactions, numeric: true, cell: (e) => fmt.number(e.transactions) },
                { header: t.colQueriesAvg, numeric: true, className: (e) => flagAt(e.queriesPerTxnAvg), cell: (e) => fmt.number(e.queriesPerTxnAvg, 1) },
                { header: t.colQueriesMax, numeric: true, className: (e) => flagAt(e.queriesPerTxnMax), cell: (e) => fmt.number(e.queriesPerTxnMax) },
                { header: t.colDbTimeAvg, numeric: true, cell: (e) => fmt.duration(e.dbTimePerTxnMs) },
                { header: t.colDbTimeMax, numeric: true, cell: (e) => fmt.duration(e.dbTimePerTxnMaxMs) },
                { header: t.colStatements, numeric: true, cell: (e) => fmt.number(e.statements) },
                col.errors,
              ]}
            />
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
            <input
              className={`input ${styles.threshold}`}
              type="number"
              min={2}
              value={threshold}
              onChange={(e) => setView({ threshold: Number(e.target.value) || undefined })}
              data-testid="nplusone-threshold"
            />
          </label>
        </div>
        <QueryState query={nPlusOne} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) => (
            <DataTable
              rows={data.findings}
              rowKey={(f) => `${f.service} ${f.endpoint} ${f.fingerprint}`}
              testId="nplusone"
              className={styles.table}
              empty={<p className="hint">{t.noNPlusOne}</p>}
              columns={[
                col.endpoint,
                col.statement,
                {
                  header: t.colRepeats,
                  numeric: true,
                  className: styles.flag,
                  cell: (f) => `${t.times(fmt.number(f.maxRepeat))} / ${t.times(fmt.number(f.avgRepeat, 1))}`,
                },
                { header: t.colAffected, numeric: true, cell: (f) => fmt.number(f.transactions) },
                { header: t.colDbTime, numeric: true, cell: (f) => fmt.duration(f.totalMs) },
                { cell: (f) => <Link href={traceHref(f.exampleTraceId)}>{t.example}</Link> },
              ]}
            />
          )}
        </QueryState>
      </section>

      <section className="stack">
        <div className={styles.sectionHead}>
          <h2>{t.statementsTitle}</h2>
          <ChoiceButtons
            label={t.sortBy}
            choices={STATEMENT_SORT_KEYS}
            value={sort}
            onPick={(k) => setView({ sort: k === 'totalTime' ? undefined : k })}
            text={(k) => t[STATEMENT_SORT_LABEL[k]]}
          />
        </div>
        <QueryState query={statements} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) => (
            <DataTable
              rows={data.statements}
              rowKey={(s) => s.fingerprintHash}
              testId="sql-statements"
              className={styles.table}
              sortedBy={sort}
              empty={<p className="hint">{t.noSqlInWindow}</p>}
              columns={[
                col.statement,
                col.calls,
                col.total,
                col.avg,
                col.p95,
                col.errors,
                { header: t.colPerTxn, numeric: true, sortKey: 'perTxn', className: (s) => flagAt(s.callsPerTxn), cell: (s) => fmt.number(s.callsPerTxn, 1) },
                { header: t.colInstances, className: 'hint', cell: (s) => s.instances.join(', ') },
              ]}
            />
          )}
        </QueryState>
      </section>

      <section className="stack">
        <div className={styles.sectionHead}>
          <h2>{t.transactionsTitle}</h2>
          <ChoiceButtons
            label={t.sortBy}
            choices={TRANSACTION_SORT_KEYS}
            value={tsort}
            onPick={(k) => setView({ tsort: k === 'queries' ? undefined : k })}
            text={(k) => t[TRANSACTION_SORT_LABEL[k]]}
          />
        </div>
        <QueryState query={transactions} loadingLabel={t.loading} failedTitle={t.failed}>
          {(data) => (
            <DataTable
              rows={data.transactions}
              rowKey={(x) => `${x.traceId} ${x.service}`}
              testId="sql-transactions"
              className={styles.table}
              sortedBy={tsort}
              empty={<p className="hint">{t.noSqlInWindow}</p>}
              columns={[
                {
                  header: t.colStart,
                  className: 'nowrap',
                  cell: (x) => (
                    <Link href={traceHref(x.traceId)} title={t.openTrace}>
                      {fmt.dateTime(x.startTime)}
                    </Link>
                  ),
                },
                col.endpoint,
                {
                  header: t.colDuration,
                  numeric: true,
                  className: (x) => (x.isError ? styles.bad : undefined),
                  cell: (x) => (x.durationMs === null ? '–' : fmt.duration(x.durationMs)),
                },
                { header: t.colQueries, numeric: true, sortKey: 'queries', className: (x) => flagAt(x.maxRepeat), cell: (x) => fmt.number(x.queries) },
                { header: t.colDbTime, numeric: true, sortKey: 'dbTime', cell: (x) => fmt.duration(x.dbTimeMs) },
                {
                  header: t.colTopStatement,
                  sortKey: 'maxRepeat',
                  className: styles.sql,
                  cell: (x) => `${t.times(fmt.number(x.maxRepeat))} ${x.topStatement}`,
                },
              ]}
            />
          )}
        </QueryState>
      </section>
    </div>
  );
}
