import type { Column } from '../../components/data-table';
import type { Formatter } from '../../lib/format';
import styles from './database.module.css';
import type { DatabaseMessages } from './messages';

/**
 * The columns the SQL and instance pages share. Each reads only the field it shows, so one
 * column serves the endpoint, statement and transaction rows of both pages.
 */
export function databaseColumns(t: DatabaseMessages, fmt: Formatter) {
  return {
    endpoint: {
      header: t.colEndpoint,
      cell: (r: { service: string; endpoint: string }) => (
        <>
          <strong>{r.service}</strong> <code>{r.endpoint}</code>
        </>
      ),
    },
    statement: { header: t.colStatement, className: styles.sql, cell: (s: { fingerprint: string }) => s.fingerprint },
    calls: { header: t.colCalls, numeric: true, sortKey: 'calls', cell: (s: { calls: number }) => fmt.number(s.calls) },
    total: { header: t.colTotal, numeric: true, sortKey: 'totalTime', cell: (s: { totalMs: number }) => fmt.duration(s.totalMs) },
    avg: { header: t.colAvg, numeric: true, cell: (s: { avgMs: number }) => fmt.duration(s.avgMs) },
    p95: { header: t.colP95, numeric: true, sortKey: 'p95', cell: (s: { p95Ms: number }) => fmt.duration(s.p95Ms) },
    errors: {
      header: t.colErrors,
      numeric: true,
      sortKey: 'errors',
      className: (s: { errors: number }) => (s.errors ? styles.bad : undefined),
      cell: (s: { errors: number }) => fmt.number(s.errors),
    },
  } satisfies Record<string, Column<never>>;
}
