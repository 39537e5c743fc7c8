import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { fingerprintSql } from '@meridian/sql-fingerprint';
import { counter, type DbSnapshot, MAX_SESSIONS, MAX_STATEMENTS, type Reading, sum, type TopStatement } from './snapshot';
import type { BlockingEdge, DbSession } from '@meridian/domain';
import type { DbTarget } from './targets';

const QUERY_TIMEOUT_MS = 5_000;

// Threads that are not client sessions.
const SYSTEM_COMMANDS = new Set(['Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker']);

/** SHOW GLOBAL STATUS counters the OpenTelemetry Collector's mysql receiver reports, under its names. */
const COMMANDS = ['select', 'insert', 'update', 'delete', 'commit', 'rollback'] as const;

type LockWaitSource = 'information_schema' | 'sys' | 'none';

/**
 * Reads one MySQL or MariaDB server: SHOW GLOBAL STATUS / VARIABLES, the process list, InnoDB
 * lock waits (information_schema.INNODB_LOCK_WAITS on MariaDB and MySQL 5.7, sys.innodb_lock_waits
 * on MySQL 8) and statement digests from performance_schema when it is on.
 */
export class MysqlProbe {
  private conn: Connection | undefined;
  private lockWaitSource: LockWaitSource | undefined;

  constructor(private readonly target: DbTarget) {}

  async read(): Promise<DbSnapshot> {
    const conn = await this.connect();
    try {
      return await this.readWith(conn);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<Connection> {
    if (this.conn) return this.conn;
    const conn = await createConnection({ uri: this.target.url, connectTimeout: QUERY_TIMEOUT_MS, supportBigNumbers: true, bigNumberStrings: true });
    conn.on('error', () => void this.close());
    this.conn = conn;
    return conn;
  }

  private async rows<T>(c: Connection, sql: string): Promise<T[]> {
    const [rows] = await c.query<RowDataPacket[]>({ sql, timeout: QUERY_TIMEOUT_MS });
    return rows as unknown as T[];
  }

  private async readWith(c: Connection): Promise<DbSnapshot> {
    const takenAtMs = Date.now();
    const status = new Map<string, string>();
    for (const r of await this.rows<{ Variable_name: string; Value: string }>(c, 'SHOW GLOBAL STATUS')) status.set(r.Variable_name.toLowerCase(), r.Value);
    const vars = new Map<string, string>();
    for (const r of await this.rows<{ Variable_name: string; Value: string }>(
      c,
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('max_connections', 'version', 'performance_schema')",
    )) {
      vars.set(r.Variable_name.toLowerCase(), r.Value);
    }
    const n = (key: string) => Number(status.get(key) ?? 0);
    const version = vars.get('version') ?? '';
    const system = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    const maxConnections = Number(vars.get('max_connections') ?? 0);

    const readings: Reading[] = [
      sum(
        'mysql.threads',
        '{threads}',
        'The state of MySQL threads.',
        ['cached', 'connected', 'created', 'running'].map((kind) => ({ attributes: { kind }, value: n(`threads_${kind}`) })),
      ),
      counter('mysql.connection.count', '1', 'The number of connection attempts (successful or not) to the MySQL server.', [
        { attributes: {}, value: n('connections') },
      ]),
      counter('mysql.locks', '1', 'The number of MySQL locks.', [
        { attributes: { kind: 'immediate' }, value: n('table_locks_immediate') },
        { attributes: { kind: 'waited' }, value: n('table_locks_waited') },
      ]),
      counter('mysql.row_locks', '1', 'The number of InnoDB row locks.', [
        { attributes: { kind: 'waits' }, value: n('innodb_row_lock_waits') },
        { attributes: { kind: 'time' }, value: n('innodb_row_lock_time') },
      ]),
      counter('mysql.query.count', '1', 'The number of statements executed by the server.', [{ attributes: {}, value: n('queries') }]),
      counter('mysql.query.slow.count', '1', 'The number of slow queries.', [{ attributes: {}, value: n('slow_queries') }]),
      counter(
        'mysql.commands',
        '1',
        'The number of times each type of command has been executed.',
        COMMANDS.map((command) => ({ attributes: { command }, value: n(`com_${command}`) })),
      ),
      counter('mysql.uptime', 's', 'The number of seconds that the server has been up.', [{ attributes: {}, value: n('uptime') }]),
    ];

    const processes = await this.rows<{
      ID: string | number;
      USER: string;
      DB: string | null;
      COMMAND: string;
      TIME: number;
      STATE: string | null;
      INFO: string | null;
    }>(c, 'SELECT ID, USER, DB, COMMAND, TIME, STATE, LEFT(INFO, 4096) AS INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()');
    const edges = await this.lockWaits(c);
    const waitingIds = new Set(edges.map((e) => e.blockedId));
    const queryOf = new Map<string, string>();
    const sessionsByState: Record<string, number> = {};
    const sessions: DbSession[] = [];
    for (const p of processes) {
      if (SYSTEM_COMMANDS.has(p.COMMAND) || p.USER === 'system user' || p.USER === 'event_scheduler') continue;
      const id = String(p.ID);
      const waiting = waitingIds.has(id) || /lock wait|waiting for .*lock/i.test(p.STATE ?? '');
      const state = waiting ? 'waiting' : p.COMMAND === 'Sleep' ? 'idle' : 'active';
      sessionsByState[state] = (sessionsByState[state] ?? 0) + 1;
      const query = fingerprintSql(p.INFO ?? '', 'mysql');
      queryOf.set(id, query);
      if (state === 'idle') continue;
      sessions.push({
        id,
        user: p.USER ?? '',
        database: p.DB ?? '',
        state,
        waitEvent: p.STATE ?? '',
        seconds: Number(p.TIME ?? 0),
        query,
        blockedBy: edges.filter((e) => e.blockedId === id).map((e) => e.blockingId),
      });
    }
    for (const e of edges) {
      e.blockedQuery = queryOf.get(e.blockedId) ?? e.blockedQuery;
      e.blockingQuery = queryOf.get(e.blockingId) ?? e.blockingQuery;
    }
    sessions.sort((a, b) => b.seconds - a.seconds);

    const { statements, statementsUnavailable } = await this.topStatements(c, vars.get('performance_schema'));
    return {
      target: this.target,
      system,
      version,
      takenAtMs,
      up: true,
      readings,
      sessionsByState,
      maxConnections,
      lockWaits: sessionsByState.waiting ?? 0,
      sessions: sessions.slice(0, MAX_SESSIONS),
      blocking: edges,
      statements,
      statementsUnavailable,
    };
  }

  /** InnoDB lock waits from whichever source this server has (found once, then remembered). */
  private async lockWaits(c: Connection): Promise<BlockingEdge[]> {
    type Row = {
      waiting: string;
      blocking: string;
      wait_s: number | null;
      lock_type: string | null;
      lock_mode: string | null;
      relation: string | null;
      waiting_query: string | null;
      blocking_query: string | null;
    };
    const queries: Record<Exclude<LockWaitSource, 'none'>, string> = {
      information_schema: `SELECT r.trx_mysql_thread_id AS waiting, b.trx_mysql_thread_id AS blocking,
          TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_s,
          l.lock_type AS lock_type, l.lock_mode AS lock_mode, l.lock_table AS relation,
          LEFT(r.trx_query, 4096) AS waiting_query, LEFT(b.trx_query, 4096) AS blocking_query
        FROM information_schema.INNODB_LOCK_WAITS w
        JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
        JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
        LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id`,
      sys: `SELECT waiting_pid AS waiting, blocking_pid AS blocking, wait_age_secs AS wait_s, locked_type AS lock_type,
          waiting_lock_mode AS lock_mode, locked_table AS relation, LEFT(waiting_query, 4096) AS waiting_query,
          LEFT(blocking_query, 4096) AS blocking_query
        FROM sys.innodb_lock_waits`,
    };
    const order: Array<Exclude<LockWaitSource, 'none'>> = this.lockWaitSource
      ? this.lockWaitSource === 'none'
        ? []
        : [this.lockWaitSource]
      : ['information_schema', 'sys'];
    for (const source of order) {
      try {
        const rows = await this.rows<Row>(c, queries[source]);
        this.lockWaitSource = source;
        return rows.map((r) => ({
          blockedId: String(r.waiting),
          blockingId: String(r.blocking),
          blockedQuery: fingerprintSql(r.waiting_query ?? '', 'mysql'),
          blockingQuery: fingerprintSql(r.blocking_query ?? '', 'mysql'),
          waitSeconds: Number(r.wait_s ?? 0),
          lockType: r.lock_type ?? '',
          lockMode: r.lock_mode ?? '',
          relation: r.relation ?? '',
        }));
      } catch {
        // This server lacks the source (MySQL 8 dropped INNODB_LOCK_WAITS; sys may be absent): try the next.
      }
    }
    this.lockWaitSource = 'none';
    return [];
  }

  private async topStatements(c: Connection, performanceSchema: string | undefined): Promise<{ statements: TopStatement[]; statementsUnavailable?: string }> {
    if (!/^(on|1)$/i.test(performanceSchema ?? ''))
      return { statements: [], statementsUnavailable: 'performance_schema is off (set performance_schema=ON in the server configuration)' };
    try {
      const rows = await this.rows<{ id: string; query: string; calls: string; total_ms: string; rows: string; errors: string }>(
        c,
        `SELECT DIGEST AS id, LEFT(DIGEST_TEXT, 4096) AS query, COUNT_STAR AS calls, SUM_TIMER_WAIT / 1000000000 AS total_ms,
          SUM_ROWS_SENT + SUM_ROWS_AFFECTED AS \`rows\`, SUM_ERRORS AS errors
        FROM performance_schema.events_statements_summary_by_digest
        WHERE DIGEST_TEXT IS NOT NULL
        ORDER BY SUM_TIMER_WAIT DESC
        LIMIT ${MAX_STATEMENTS}`,
      );
      return {
        statements: rows.map((r) => ({
          id: String(r.id),
          query: fingerprintSql(r.query, 'mysql'),
          calls: Number(r.calls),
          totalMs: Number(r.total_ms),
          rows: Number(r.rows),
          errors: Number(r.errors),
        })),
      };
    } catch (e) {
      return { statements: [], statementsUnavailable: `performance_schema digests cannot be read: ${(e as Error).message}` };
    }
  }
}
