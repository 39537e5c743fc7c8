export {
  ClickHouseClients,
  RegionStore,
  validateStorageConfig,
  type ClickHouseTarget,
  type RegionStorageConfig,
  type ClickHouseClientsOptions,
} from './clients';
export { QueryValidationError, StorageConfigError, UnknownRegionError, RowInsertError } from './errors';
export { migrateRegion, appliedVersions } from './migrate';
export { MIGRATIONS, STORED_TABLES, DEDUP_WINDOW, MAX_RETENTION_DAYS, APDEX_T_MS, type Migration, type StoredTable } from './schema';
export { hitmapRowSql } from './hitmap-sql';
export { RowWriter, MAX_PARTITIONS_PER_INSERT } from './row-writer';
export { classifyInsertError, clickhouseErrorCode, TRANSIENT_CODES, DATA_CODES, type InsertErrorClass } from './insert-error-class';
export {
  TelemetryQueries,
  QUERY_LIMITS,
  type TimeWindow,
  type HitmapQuery,
  type HitmapCell,
  hitmapCells,
  type HitmapResult,
  type ServiceRed,
  type ServiceSeries,
  type TransactionsQuery,
  type Transaction,
  type SelectionQuery,
  type SelectionGroup,
  type TraceResult,
  type MetricPointsQuery,
  type StoredMetricPoint,
  type LogsQuery,
  type StoredLog,
} from './telemetry-queries';
export { nanosToIso, type StoredSpan, type StoredSpanEvent, type StoredSpanLink } from './stored-span';
// Test helpers (embedded ClickHouse per test file, row factories). Not for production code.
export {
  openTestClickHouse,
  testChdbDataDir,
  makeSpanRow,
  makeDbSpanRow,
  makeMetricPointRow,
  makeLogRow,
  toRowBody,
  randomHexId,
  nowNanos,
  type TestClickHouse,
} from './testing';
export {
  DatabaseQueries,
  DB_QUERY_LIMITS,
  STATEMENT_SORTS,
  TRANSACTION_SORTS,
  blockingChains,
  type SqlQuery,
  type SqlEndpointStats,
  type StatementSort,
  type StatementsQuery,
  type SqlStatementStats,
  type TransactionSort,
  type SqlTransactionsQuery,
  type SqlTransaction,
  type NPlusOneQuery,
  type NPlusOneFinding,
  type DbInstanceHealth,
  type DbInstanceDetail,
  type DbInstancePoint,
  type BlockingEdgeRow,
  type BlockingChain,
  type ServerStatement,
} from './database-queries';
export { AlertQueries, ALERT_QUERY_METRICS, type AlertQuery, type AlertQueryMetric, type AlertMeasurement } from './alert-queries';
