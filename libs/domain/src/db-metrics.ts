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
