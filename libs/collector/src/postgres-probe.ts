import { Client } from 'pg';
import { fingerprintSql } from '@meridian/sql-fingerprint';
import { counter, type DbSnapshot, gauge, MAX_SESSIONS, MAX_STATEMENTS, type Reading, sum, type TopStatement } from './snapshot';
import type { BlockingEdge, DbSession } from '@meridian/domain';
import type { DbTarget } from './targets';

const QUERY_TIMEOUT_MS = 5_000;

interface ActivityRow {
  pid: number;
  usename: string | null;
  datname: string | null;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  seconds: number | null;
  query: string | null;
  blocked_by: number[] | null;
}

/**
 * Reads one PostgreSQL server: pg_stat_database (per-database counters), pg_stat_activity
 * (sessions; blocking chains through pg_blocking_pids, called only for sessions waiting on a
 * lock because it is not free), pg_locks, and pg_stat_statements when the extension is
 * installed and loaded. One long-lived connection, reopened after an error.
 */
export class PostgresProbe {
  private client: Client | undefined;

  constructor(private readonly target: DbTarget) {}

  async read(): Promise<DbSnapshot> {
    const client = await this.connect();
    try {
      return await this.readWith(client);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.target.url,
      application_name: 'meridian-db-collector',
      statement_timeout: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    });
    client.on('error', () => void this.close()); // a dropped connection is reopened at the next poll
    await client.connect();
    this.client = client;
    return client;
  }

  private async readWith(c: Client): Promise<DbSnapshot> {
    const takenAtMs = Date.now();
    const info = await c.query<{ version: string; max_connections: string; version_num: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('max_connections') AS max_connections,
        current_setting('server_version_num') AS version_num`,
    );
    const { version, max_connections, version_num } = info.rows[0];
    const databases = await c.query<{ datname: string; numbackends: number; xact_commit: string; xact_rollback: string; deadlocks: string; size: string }>(
      `SELECT datname, numbackends, xact_commit::text, xact_rollback::text, deadlocks::text, pg_database_size(datid)::text AS size
      FROM pg_stat_database
      WHERE datname IS NOT NULL AND NOT datname LIKE 'template%'`,
    );
    const activity = await c.query<ActivityRow>(
      `SELECT pid, usename, datname, state, wait_event_type, wait_event,
        EXTRACT(EPOCH FROM (clock_timestamp() - coalesce(query_start, state_change, backend_start)))::float8 AS seconds,
        left(query, 4096) AS query,
        CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) ELSE NULL END AS blocked_by
      FROM pg_stat_activity
      WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    const waiting = await c.query<{ pid: number; locktype: string; mode: string; relation: string | null }>(
      `SELECT pid, locktype, mode, relation::regclass::text AS relation FROM pg_locks WHERE NOT granted`,
    );
    const locks = await c.query<{ locktype: string; mode: string; n: number }>(
      `SELECT locktype, mode, count(*)::int AS n FROM pg_locks WHERE granted GROUP BY locktype, mode`,
    );

    const db = (name: string) => ({ 'db.namespace': name });
    const readings: Reading[] = [
      gauge('postgresql.connection.max', '{connections}', 'Configured maximum number of client connections allowed', [
        { attributes: {}, value: Number(max_connections) },
      ]),
      sum('postgresql.database.count', '{databases}', 'Number of user databases.', [{ attributes: {}, value: databases.rows.length }]),
      sum(
        'postgresql.backends',
        '1',
        'The number of backends.',
        databases.rows.map((r) => ({ attributes: db(r.datname), value: Number(r.numbackends) })),
      ),
      sum(
        'postgresql.db_size',
        'By',
        'The database disk usage.',
        databases.rows.map((r) => ({ attributes: db(r.datname), value: Number(r.size) })),
      ),
      counter(
        'postgresql.commits',
        '1',
        'The number of commits.',
        databases.rows.map((r) => ({ attributes: db(r.datname), value: Number(r.xact_commit) })),
      ),
      counter(
        'postgresql.rollbacks',
        '1',
        'The number of rollbacks.',
        databases.rows.map((r) => ({ attributes: db(r.datname), value: Number(r.xact_rollback) })),
      ),
      counter(
        'postgresql.deadlocks',
        '{deadlock}',
        'The number of deadlocks.',
        databases.rows.map((r) => ({ attributes: db(r.datname), value: Number(r.deadlocks) })),
      ),
      gauge(
        'postgresql.database.locks',
        '{lock}',
        'The number of database locks.',
        locks.rows.map((r) => ({ attributes: { lock_type: r.locktype, mode: r.mode }, value: r.n })),
      ),
    ];

    const queryOf = new Map<number, string>();
    const sessionsByState: Record<string, number> = {};
    const sessions: DbSession[] = [];
    for (const r of activity.rows) {
      const lockWait = r.wait_event_type === 'Lock';
      const state = lockWait ? 'waiting' : (r.state ?? 'unknown');
      sessionsByState[state] = (sessionsByState[state] ?? 0) + 1;
      const query = fingerprintSql(r.query ?? '', 'postgresql');
      queryOf.set(r.pid, query);
      if (state === 'idle') continue;
      sessions.push({
        id: String(r.pid),
        user: r.usename ?? '',
        database: r.datname ?? '',
        state,
        waitEvent: r.wait_event ? `${r.wait_event_type}:${r.wait_event}` : '',
        seconds: Math.max(0, Number(r.seconds ?? 0)),
        query,
        blockedBy: (r.blocked_by ?? []).map(String),
      });
    }
    const lockOf = new Map(waiting.rows.map((w) => [w.pid, w]));
    const blocking: BlockingEdge[] = [];
    for (const s of sessions) {
      const lock = lockOf.get(Number(s.id));
      for (const blocker of s.blockedBy) {
        blocking.push({
          blockedId: s.id,
          blockingId: blocker,
          blockedQuery: s.query,
          blockingQuery: queryOf.get(Number(blocker)) ?? '',
          waitSeconds: s.seconds,
          lockType: lock?.locktype ?? '',
          lockMode: lock?.mode ?? '',
          relation: lock?.relation ?? '',
        });
      }
    }
    sessions.sort((a, b) => b.seconds - a.seconds);

    const { statements, statementsUnavailable } = await this.topStatements(c, Number(version_num));
    return {
      target: this.target,
      system: 'postgresql',
      version,
      takenAtMs,
      up: true,
      readings,
      sessionsByState,
      maxConnections: Number(max_connections),
      lockWaits: sessionsByState.waiting ?? 0,
      sessions: sessions.slice(0, MAX_SESSIONS),
      blocking,
      statements,
      statementsUnavailable,
    };
  }

  /** pg_stat_statements, when installed in the target database and loaded (shared_preload_libraries). */
  private async topStatements(c: Client, versionNum: number): Promise<{ statements: TopStatement[]; statementsUnavailable?: string }> {
    const ext = await c.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`);
    if (ext.rowCount === 0)
      return { statements: [], statementsUnavailable: 'pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements)' };
    const time = versionNum >= 130000 ? 'total_exec_time' : 'total_time';
    try {
      const rows = await c.query<{ id: string; query: string; calls: string; total_ms: number; rows: string }>(
        `SELECT queryid::text AS id, left(query, 4096) AS query, calls::text, ${time}::float8 AS total_ms, rows::text
        FROM pg_stat_statements
        WHERE queryid IS NOT NULL
        ORDER BY ${time} DESC
        LIMIT ${MAX_STATEMENTS}`,
      );
      return {
        statements: rows.rows.map((r) => ({
          id: r.id,
          query: fingerprintSql(r.query, 'postgresql'),
          calls: Number(r.calls),
          totalMs: Number(r.total_ms),
          rows: Number(r.rows),
          errors: 0,
        })),
      };
    } catch (e) {
      return { statements: [], statementsUnavailable: `pg_stat_statements cannot be read: ${(e as Error).message}` };
    }
  }
}
