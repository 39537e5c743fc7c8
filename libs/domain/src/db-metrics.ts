/**
 * Meridian's own database metric names, for what the OpenTelemetry Collector's
 * postgresql/mysql receivers do not report. The collector writes them and the database views
 * read them, so they are defined once here.
 */
export const DB_METRICS = {
  up: 'meridian.db.up',
  sessions: 'meridian.db.sessions',
  connections: 'meridian.db.connections',
  connectionsMax: 'meridian.db.connections.max',
  lockWaits: 'meridian.db.lock_waits',
  session: 'meridian.db.session',
  blocking: 'meridian.db.blocking',
  statementCalls: 'meridian.db.statement.calls',
  statementTime: 'meridian.db.statement.time',
  statementRows: 'meridian.db.statement.rows',
  statementErrors: 'meridian.db.statement.errors',
} as const;

/** One edge of a blocking chain, as the collector reads it and the instance page draws it: `blocked` waits for a lock that `blocking` holds. */
export interface BlockingEdge {
  blockedId: string;
  blockingId: string;
  blockedQuery: string;
  blockingQuery: string;
  waitSeconds: number;
  lockType: string;
  lockMode: string;
  relation: string;
}

/** A client session that is not idle (or is waiting), as the collector reports it (one `meridian.db.session` point) and the instance page lists it. */
export interface DbSession {
  id: string;
  user: string;
  database: string;
  /** active | idle in transaction | waiting … (server's own words, lowercased) */
  state: string;
  waitEvent: string;
  /** Seconds in the current statement (or state when no statement runs). */
  seconds: number;
  /** Fingerprint of the current/last statement: literals removed, safe to store and show. */
  query: string;
  blockedBy: string[];
}
