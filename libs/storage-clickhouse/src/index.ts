export {
  ClickHouseClients,
  RegionStore,
  validateStorageConfig,
  type ClickHouseTarget,
  type RegionStorageConfig,
  type ClickHouseClientsOptions,
  type EmbeddedEngineOptions,
  embeddedEngineArgs,
} from './clients';
export { QueryValidationError, StorageConfigError, UnknownRegionError, RowInsertError } from './errors';
export { migrateRegion, appliedVersions } from './schema/migrate';
export { MIGRATIONS, STORED_TABLES, DEDUP_WINDOW, MAX_RETENTION_DAYS, APDEX_T_MS, type Migration, type StoredTable } from './schema/schema';
export { hitmapRowSql } from './schema/hitmap-sql';
export { RowWriter, MAX_PARTITIONS_PER_INSERT } from './write/row-writer';
export { classifyInsertError, clickhouseErrorCode, TRANSIENT_CODES, DATA_CODES, type InsertErrorClass } from './write/insert-error-class';
export { type TimeWindow, ReadTimeoutError } from './queries/sql';
export { ReadGate, ReadRefusedError, ReadCancelledError, DEFAULT_READ_LIMITS, type ReadLimits } from './queries/read-gate';
export { withReadSignal, currentReadSignal } from './queries/read-signal';
export {
  TelemetryQueries,
  QUERY_LIMITS,
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
} from './queries/telemetry.queries';
export { nanosToIso, STORED_SPAN_COLUMNS, type StoredSpan, type StoredSpanEvent, type StoredSpanLink } from './queries/stored-span';
export {
  SqlStatisticsQueries,
  DB_QUERY_LIMITS,
  STATEMENT_SORTS,
  TRANSACTION_SORTS,
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
} from './queries/sql-statistics.queries';
export {
  DatabaseHealthQueries,
  blockingChains,
  type DbInstanceHealth,
  type DbInstanceDetail,
  type DbInstancePoint,
  type BlockingChain,
  type ServerStatement,
} from './queries/database-health.queries';
export { AlertQueries, type AlertQuery, type AlertMeasurement } from './queries/alert.queries';
export { TraceSearchQueries } from './queries/trace-search.queries';
export { ServiceMapQueries } from './queries/service-map.queries';
export { LogSearchQueries, LOG_QUERY_LIMITS, LOG_LEVELS, type LogLevel, type LogsQuery, type StoredLog, type LogHistogram } from './queries/log-search.queries';
export { MetricExplorerQueries } from './queries/metric-explorer.queries';
export { HostQueries } from './queries/host.queries';
export { KubernetesQueries } from './queries/kubernetes.queries';
