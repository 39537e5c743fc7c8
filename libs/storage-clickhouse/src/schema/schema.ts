/**
 * The ClickHouse schema of one region database, as ordered, versioned migrations. Every
 * statement is idempotent (IF NOT EXISTS), so a crash half-way through a migration is safe to
 * rerun. Never edit a released migration: add a new one (ALTER … ADD COLUMN IF NOT EXISTS …).
 *
 * Conventions that every table (base and materialized-view target) follows:
 * - `tenant_id` leads the sort key, so every tenant-scoped query reads only that tenant's ranges.
 * - Daily partitions on the row's time, and per-row retention:
 *   `TTL toDateTime(time) + toIntervalDay(least(retention_days, MAX_RETENTION_DAYS))`. The clamp
 *   matters: DateTime ends in 2106 and `+ interval` wraps around, so an absurd retention would
 *   otherwise make a row expire at once (silently dropped at insert).
 * - Codecs: Delta+ZSTD on time, T64+ZSTD on integer counters/durations, ZSTD on ids and text.
 * - `non_replicated_deduplication_window`, so insert-deduplication tokens work on the base
 *   tables AND on the MV targets (with `deduplicate_blocks_in_dependent_materialized_views=1`).
 */
import { hitmapRowBandSql, hitmapRowSql } from './hitmap-sql';

export interface Migration {
  version: number;
  name: string;
  statements(db: string): string[];
}

/** Number of recent insert blocks per table whose dedup tokens are remembered (see README of RowWriter). */
export const DEDUP_WINDOW = 10_000;
/** Longest retention honoured by TTL (10 years); larger values are clamped, not wrapped. */
export const MAX_RETENTION_DAYS = 3650;
/** Apdex threshold T in ms: satisfied ≤ T, tolerating ≤ 4T (errors count as frustrated). */
export const APDEX_T_MS = 500;

/** How every table is stored (see the conventions above): engine, daily partitions and TTL on `time`, sort key, dedup window. */
const storage = (engine: string, time: string, orderBy: string) => `ENGINE = ${engine}
    PARTITION BY toYYYYMMDD(${time})
    ORDER BY (${orderBy})
    TTL toDateTime(${time}) + toIntervalDay(least(retention_days, ${MAX_RETENTION_DAYS}))
    SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}`;
const LC = 'LowCardinality(String)';
const MAP = 'Map(LowCardinality(String), String)';
const TIME = 'DateTime64(9) CODEC(Delta, ZSTD(1))';
const ID = 'String CODEC(ZSTD(1))';
const TEXT = 'String CODEC(ZSTD(1))';
const COUNTER = 'UInt64 CODEC(T64, ZSTD(1))';
const SUM_U64 = 'SimpleAggregateFunction(sum, UInt64)';
const MAX_RETENTION = 'retention_days SimpleAggregateFunction(max, UInt16)';
const KIND_ENUM = `Enum8('UNSPECIFIED' = 0, 'INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5)`;
const STATUS_ENUM = `Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2)`;
const METRIC_TYPE_ENUM = `Enum8('GAUGE' = 1, 'SUM' = 2, 'HISTOGRAM' = 3, 'EXP_HISTOGRAM' = 4, 'SUMMARY' = 5)`;
const TEMPORALITY_ENUM = `Enum8('UNSPECIFIED' = 0, 'DELTA' = 1, 'CUMULATIVE' = 2)`;

function spansAndRollups(db: string): string[] {
  const apdexT = APDEX_T_MS * 1_000_000;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.spans (
      tenant_id ${LC},
      ts ${TIME},
      duration_ns UInt64 CODEC(T64, ZSTD(1)),
      trace_id ${ID},
      span_id ${ID},
      parent_span_id ${ID},
      trace_state ${TEXT},
      service ${LC},
      span_name ${LC},
      endpoint ${LC},
      kind ${KIND_ENUM},
      is_entry UInt8,
      txn_service ${LC},
      txn_endpoint ${LC},
      status_code ${STATUS_ENUM},
      status_message ${TEXT},
      is_error UInt8,
      http_method ${LC},
      http_status UInt16,
      http_route ${LC},
      url_path ${TEXT},
      db_system ${LC},
      db_name ${LC},
      db_instance ${LC},
      db_operation ${LC},
      db_statement String CODEC(ZSTD(3)),
      db_fingerprint ${LC},
      peer_service ${LC},
      host_name ${LC},
      scope_name ${LC},
      scope_version ${LC},
      resource_attributes ${MAP} CODEC(ZSTD(1)),
      attributes ${MAP} CODEC(ZSTD(1)),
      events_ts Array(DateTime64(9)) CODEC(ZSTD(1)),
      events_name Array(${LC}),
      events_attributes Array(${MAP}) CODEC(ZSTD(1)),
      links_trace_id Array(String) CODEC(ZSTD(1)),
      links_span_id Array(String) CODEC(ZSTD(1)),
      retention_days UInt16,
      end_ts DateTime64(9) MATERIALIZED addNanoseconds(ts, duration_ns) CODEC(Delta, ZSTD(1)),
      db_fingerprint_hash UInt64 MATERIALIZED cityHash64(db_fingerprint),
      INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
      INDEX idx_duration duration_ns TYPE minmax GRANULARITY 1,
      INDEX idx_end_ts end_ts TYPE minmax GRANULARITY 1,
      INDEX idx_db_fingerprint_hash db_fingerprint_hash TYPE bloom_filter(0.01) GRANULARITY 1,
      INDEX idx_http_status http_status TYPE set(100) GRANULARITY 1
    ) ${storage('MergeTree', 'ts', 'tenant_id, service, endpoint, ts')}`,

    // trace id → time bounds, size and root; lets traceById bound its spans scan by time.
    `CREATE TABLE IF NOT EXISTS ${db}.trace_index (
      tenant_id ${LC},
      trace_id ${ID},
      start_ts SimpleAggregateFunction(min, DateTime64(9)) CODEC(Delta, ZSTD(1)),
      end_ts SimpleAggregateFunction(max, DateTime64(9)) CODEC(Delta, ZSTD(1)),
      span_count ${SUM_U64},
      error_count ${SUM_U64},
      root_service AggregateFunction(argMinIf, String, DateTime64(9), UInt8),
      root_endpoint AggregateFunction(argMinIf, String, DateTime64(9), UInt8),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'start_ts', 'tenant_id, trace_id')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.trace_index_mv TO ${db}.trace_index AS
    SELECT tenant_id, trace_id,
      min(ts) AS start_ts, max(end_ts) AS end_ts,
      count() AS span_count, sum(is_error) AS error_count,
      argMinIfState(toString(service), ts, parent_span_id = '') AS root_service,
      argMinIfState(toString(endpoint), ts, parent_span_id = '') AS root_endpoint,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    GROUP BY tenant_id, trace_id`,

    // The hitmap: (5 s column of END time) × (120 duration rows). One row per non-empty cell per
    // endpoint, so reading a window costs columns × occupied cells, whatever the span volume.
    `CREATE TABLE IF NOT EXISTS ${db}.hitmap_5s (
      tenant_id ${LC},
      service ${LC},
      endpoint ${LC},
      bucket DateTime CODEC(Delta, ZSTD(1)),
      y UInt8,
      hits ${COUNTER},
      errors ${COUNTER},
      ${MAX_RETENTION}
    ) ${storage('SummingMergeTree', 'bucket', 'tenant_id, service, endpoint, bucket, y')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.hitmap_5s_mv TO ${db}.hitmap_5s AS
    SELECT tenant_id, service, endpoint,
      toStartOfInterval(toDateTime(end_ts), INTERVAL 5 SECOND) AS bucket,
      ${hitmapRowSql('duration_ns')} AS y,
      count() AS hits, sum(is_error) AS errors,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE is_entry = 1
    GROUP BY tenant_id, service, endpoint, bucket, y`,

    // RED per transaction endpoint and minute of end time.
    `CREATE TABLE IF NOT EXISTS ${db}.service_red_1m (
      tenant_id ${LC},
      service ${LC},
      endpoint ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      count ${SUM_U64},
      errors ${SUM_U64},
      duration_sum_ns ${SUM_U64},
      duration_max_ns SimpleAggregateFunction(max, UInt64),
      duration_q AggregateFunction(quantileTDigest, UInt64),
      apdex_satisfied ${SUM_U64},
      apdex_tolerating ${SUM_U64},
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, service, endpoint, minute')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_red_1m_mv TO ${db}.service_red_1m AS
    SELECT tenant_id, service, endpoint,
      toStartOfMinute(toDateTime(end_ts)) AS minute,
      count() AS count, sum(is_error) AS errors,
      sum(duration_ns) AS duration_sum_ns, max(duration_ns) AS duration_max_ns,
      quantileTDigestState(duration_ns) AS duration_q,
      countIf(is_error = 0 AND duration_ns <= ${apdexT}) AS apdex_satisfied,
      countIf(is_error = 0 AND duration_ns > ${apdexT} AND duration_ns <= ${4 * apdexT}) AS apdex_tolerating,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE is_entry = 1
    GROUP BY tenant_id, service, endpoint, minute`,

    // SQL statistics per transaction endpoint × DB instance × statement fingerprint and minute.
    // calls / uniqMerge(traces) = calls per transaction (N+1 detection).
    `CREATE TABLE IF NOT EXISTS ${db}.sql_stats_1m (
      tenant_id ${LC},
      txn_service ${LC},
      txn_endpoint ${LC},
      db_system ${LC},
      db_instance ${LC},
      db_fingerprint_hash UInt64,
      minute DateTime CODEC(Delta, ZSTD(1)),
      db_fingerprint SimpleAggregateFunction(any, String) CODEC(ZSTD(3)),
      db_name SimpleAggregateFunction(any, String),
      db_operation SimpleAggregateFunction(any, String),
      calls ${SUM_U64},
      errors ${SUM_U64},
      duration_sum_ns ${SUM_U64},
      duration_max_ns SimpleAggregateFunction(max, UInt64),
      traces AggregateFunction(uniq, String),
      duration_q AggregateFunction(quantileTDigest, UInt64),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, txn_service, txn_endpoint, db_system, db_instance, db_fingerprint_hash, minute')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.sql_stats_1m_mv TO ${db}.sql_stats_1m AS
    SELECT tenant_id, txn_service, txn_endpoint, db_system, db_instance, db_fingerprint_hash,
      toStartOfMinute(toDateTime(end_ts)) AS minute,
      any(toString(db_fingerprint)) AS db_fingerprint,
      any(toString(db_name)) AS db_name,
      any(toString(db_operation)) AS db_operation,
      count() AS calls, sum(is_error) AS errors,
      sum(duration_ns) AS duration_sum_ns, max(duration_ns) AS duration_max_ns,
      uniqState(trace_id) AS traces,
      quantileTDigestState(duration_ns) AS duration_q,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE spans.db_fingerprint != ''
    GROUP BY tenant_id, txn_service, txn_endpoint, db_system, db_instance, db_fingerprint_hash, minute`,
  ];
}

function metrics(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.metric_points (
      tenant_id ${LC},
      ts ${TIME},
      start_ts ${TIME},
      metric_name ${LC},
      metric_type ${METRIC_TYPE_ENUM},
      unit ${LC},
      description ${LC},
      temporality ${TEMPORALITY_ENUM},
      is_monotonic UInt8,
      service ${LC},
      host_name ${LC},
      resource_attributes ${MAP} CODEC(ZSTD(1)),
      attributes ${MAP} CODEC(ZSTD(1)),
      scope_name ${LC},
      value Float64 CODEC(Gorilla, ZSTD(1)),
      count ${COUNTER},
      sum Float64 CODEC(Gorilla, ZSTD(1)),
      min Nullable(Float64),
      max Nullable(Float64),
      bucket_counts Array(UInt64) CODEC(ZSTD(1)),
      explicit_bounds Array(Float64) CODEC(ZSTD(1)),
      exp_scale Int32,
      exp_zero_count UInt64,
      exp_positive_offset Int32,
      exp_positive_counts Array(UInt64) CODEC(ZSTD(1)),
      exp_negative_offset Int32,
      exp_negative_counts Array(UInt64) CODEC(ZSTD(1)),
      quantiles Array(Float64) CODEC(ZSTD(1)),
      quantile_values Array(Float64) CODEC(ZSTD(1)),
      flags UInt32,
      retention_days UInt16,
      -- Series identity: resource + point attributes, key order normalized.
      attributes_hash UInt64 MATERIALIZED cityHash64(mapSort(resource_attributes), mapSort(attributes))
    ) ${storage('MergeTree', 'ts', 'tenant_id, metric_name, service, ts')}`,
    `CREATE TABLE IF NOT EXISTS ${db}.metric_rollup_1m (
      tenant_id ${LC},
      metric_name ${LC},
      service ${LC},
      attributes_hash UInt64,
      minute DateTime CODEC(Delta, ZSTD(1)),
      metric_type SimpleAggregateFunction(any, ${METRIC_TYPE_ENUM}),
      unit SimpleAggregateFunction(any, String),
      resource_attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
      attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
      min SimpleAggregateFunction(min, Float64),
      max SimpleAggregateFunction(max, Float64),
      sum SimpleAggregateFunction(sum, Float64),
      count ${SUM_U64},
      last AggregateFunction(argMax, Float64, DateTime64(9)),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, metric_name, service, attributes_hash, minute')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.metric_rollup_1m_mv TO ${db}.metric_rollup_1m AS
    SELECT tenant_id, metric_name, service, attributes_hash,
      toStartOfMinute(toDateTime(ts)) AS minute,
      any(metric_type) AS metric_type,
      any(toString(unit)) AS unit,
      any(CAST(resource_attributes, 'Map(String, String)')) AS resource_attributes,
      any(CAST(attributes, 'Map(String, String)')) AS attributes,
      min(value) AS min, max(value) AS max, sum(value) AS sum, count() AS count,
      argMaxState(value, ts) AS last,
      max(retention_days) AS retention_days
    FROM ${db}.metric_points
    WHERE metric_points.metric_type IN ('GAUGE', 'SUM')
    GROUP BY tenant_id, metric_name, service, attributes_hash, minute`,
  ];
}

function logs(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.logs (
      tenant_id ${LC},
      ts ${TIME},
      observed_ts ${TIME},
      trace_id ${ID},
      span_id ${ID},
      severity_number UInt8,
      severity_text ${LC},
      service ${LC},
      host_name ${LC},
      body String CODEC(ZSTD(3)),
      resource_attributes ${MAP} CODEC(ZSTD(1)),
      attributes ${MAP} CODEC(ZSTD(1)),
      scope_name ${LC},
      flags UInt32,
      event_name ${LC},
      retention_days UInt16,
      INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
      INDEX idx_severity severity_number TYPE minmax GRANULARITY 1,
      INDEX idx_body body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1
    ) ${storage('MergeTree', 'ts', 'tenant_id, service, ts')}`,
  ];
}

/**
 * The whole-tenant hitmap (no service/endpoint filter) read from hitmap_5s costs endpoints ×
 * occupied cells per column; this rollup keeps one row per occupied cell per column, keyed by
 * time first, so the default view reads ~1/endpoints of the rows. Backfilled from hitmap_5s
 * only while it is still empty, so a rerun after a crash cannot double it.
 */
function tenantHitmap(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.hitmap_tenant_5s (
      tenant_id ${LC},
      bucket DateTime CODEC(Delta, ZSTD(1)),
      y UInt8,
      hits ${COUNTER},
      errors ${COUNTER},
      ${MAX_RETENTION}
    ) ${storage('SummingMergeTree', 'bucket', 'tenant_id, bucket, y')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.hitmap_tenant_5s_mv TO ${db}.hitmap_tenant_5s AS
    SELECT tenant_id,
      toStartOfInterval(toDateTime(end_ts), INTERVAL 5 SECOND) AS bucket,
      ${hitmapRowSql('duration_ns')} AS y,
      count() AS hits, sum(is_error) AS errors,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE is_entry = 1
    GROUP BY tenant_id, bucket, y`,
    `INSERT INTO ${db}.hitmap_tenant_5s (tenant_id, bucket, y, hits, errors, retention_days)
    SELECT tenant_id, bucket, y, sum(hits), sum(errors), max(retention_days)
    FROM ${db}.hitmap_5s
    WHERE (SELECT count() FROM ${db}.hitmap_tenant_5s) = 0
    GROUP BY tenant_id, bucket, y`,
  ];
}

/**
 * Drag-select reads (hitmap selection counts, transaction lists): entry spans only, keyed by
 * tenant, end minute and duration, so a rectangle reads just its minutes and, within each, the
 * granules of its duration band (slow transactions are the tail of each minute) instead of
 * scanning spans. It holds what the list shows; the rest of a span is one trace lookup away
 * (reading full rows back from spans cost more than the whole list: they are scattered over
 * its endpoint ranges). Backfilled from spans only while empty (crash-safe rerun).
 */
function transactionsByEnd(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.transactions_by_end (
      tenant_id ${LC},
      end_ts ${TIME},
      duration_ns UInt64 CODEC(T64, ZSTD(1)),
      service ${LC},
      endpoint ${LC},
      is_error UInt8,
      http_status UInt16,
      trace_id ${ID},
      span_id ${ID},
      retention_days UInt16
    ) ${storage('MergeTree', 'end_ts', 'tenant_id, toStartOfMinute(end_ts), duration_ns')}, index_granularity = 2048`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.transactions_by_end_mv TO ${db}.transactions_by_end AS
    SELECT tenant_id, end_ts, duration_ns, service, endpoint, is_error, http_status, trace_id, span_id, retention_days
    FROM ${db}.spans
    WHERE is_entry = 1`,
    `INSERT INTO ${db}.transactions_by_end (tenant_id, end_ts, duration_ns, service, endpoint, is_error, http_status, trace_id, span_id, retention_days)
    SELECT tenant_id, end_ts, duration_ns, service, endpoint, is_error, http_status, trace_id, span_id, retention_days
    FROM ${db}.spans
    WHERE is_entry = 1 AND (SELECT count() FROM ${db}.transactions_by_end) = 0`,
  ];
}

/**
 * The services of each trace in trace_index, so traceById can narrow spans to their
 * (service, …) key ranges: with the trace's time range alone the sort key (tenant, service,
 * endpoint, ts) prunes little and the bloom index of every granule in the time range is read.
 * Traces indexed before this migration have no services and are read as before.
 */
function traceServices(db: string): string[] {
  return [
    `ALTER TABLE ${db}.trace_index ADD COLUMN IF NOT EXISTS services SimpleAggregateFunction(groupUniqArrayArray, Array(String)) AFTER root_endpoint`,
    `ALTER TABLE ${db}.trace_index_mv MODIFY QUERY
    SELECT tenant_id, trace_id,
      min(ts) AS start_ts, max(end_ts) AS end_ts,
      count() AS span_count, sum(is_error) AS error_count,
      argMinIfState(toString(service), ts, parent_span_id = '') AS root_service,
      argMinIfState(toString(endpoint), ts, parent_span_id = '') AS root_endpoint,
      groupUniqArray(toString(service)) AS services,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    GROUP BY tenant_id, trace_id`,
  ];
}

/**
 * Substring search in log bodies: an ngram bloom filter over the lower-cased body, so
 * `lowerUTF8(body) LIKE '%term%'` skips the granules that lack the term's trigrams (the tokenbf
 * index of version 3 only helps whole-token, case-sensitive matches). Parts written before this
 * migration get it when they are merged; until then they are read as before. 8 KiB filters per
 * granule skipped as many granules as 32 KiB ones on log lines while reading a quarter of the
 * index (bench/src/log-search-latency.ts).
 */
function logBodyNgrams(db: string): string[] {
  return [`ALTER TABLE ${db}.logs ADD INDEX IF NOT EXISTS idx_body_ngram lowerUTF8(body) TYPE ngrambf_v1(3, 8192, 3, 0) GRANULARITY 1`];
}

/** The service map's per-span expressions (see serviceMap): what a client span calls, and how. */
function serviceMapExpressions() {
  const a = (k: string) => `attributes['${k}']`;
  const url = `if(${a('url.full')} != '', ${a('url.full')}, ${a('http.url')})`;
  const host = `lower(multiIf(${a('server.address')} != '', ${a('server.address')}, ${a('net.peer.name')} != '', ${a('net.peer.name')}, domain(${url})))`;
  const port = `multiIf(${a('server.address')} != '', ${a('server.port')}, ${a('net.peer.name')} != '', ${a('net.peer.port')}, port(${url}) != 0, toString(port(${url})), '')`;
  const isDb = `(db_system != '' OR db_instance != '')`;
  const kind = `multiIf(${isDb}, 'database', peer_service != '', 'peer', http_method != '', 'http', ${a('rpc.system')} != '', 'rpc', ${a('messaging.system')} != '', 'messaging', 'other')`;
  const system = `multiIf(${isDb}, toString(db_system), ${a('rpc.system')} != '', ${a('rpc.system')}, ${a('messaging.system')})`;
  const hostPort = `if(${port} NOT IN ('', '0'), concat(${host}, ':', ${port}), ${host})`;
  const target = `multiIf(${isDb}, multiIf(db_instance != '', toString(db_instance), db_name != '', toString(db_name), toString(db_system)), peer_service != '', toString(peer_service), ${a('messaging.destination.name')} != '' AND ${host} = '', ${a('messaging.destination.name')}, ${hostPort})`;
  const targetHost = `if(peer_service != '', toString(peer_service), ${host})`;
  const clientSpans = `kind IN ('CLIENT', 'PRODUCER')`;
  return { isDb, kind, system, target, targetHost, clientSpans };
}

/**
 * The service map's rollups. An edge A → B needs A's CLIENT span and B's SERVER span, which
 * arrive in different export batches (B's ends first, in another process), and a materialized
 * view sees one insert block at a time, so a join at insert is not reliable. Instead:
 * - `service_calls_1m` aggregates CLIENT/PRODUCER spans alone by (caller, target): the target
 *   is what the client span names — a database (db system + instance), `peer.service`, or the
 *   host[:port] it called. Throughput, errors and p95 of every edge come from here, so a map
 *   read costs minutes × edges, whatever the traffic.
 * - `service_call_links` pairs the two sides by id: one narrow row per inter-service client span
 *   (link = hash of trace and span id, caller, target) and one per SERVER/CONSUMER span with a
 *   parent (link = hash of trace and parent span id, callee). Each side is written whenever its
 *   own batch comes; the read groups them by link to learn which service answers each (caller,
 *   target), reading at most a bounded number of rows (see ServiceMapQueries), and relabels the
 *   call rollup with it. A 64-bit hash instead of the two ids: grouping by it is several times
 *   faster and the rows are a third of the size; a collision needs ~2^32 calls in one window.
 */
function serviceMap(db: string): string[] {
  const { isDb, kind, system, target, targetHost, clientSpans } = serviceMapExpressions();
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.service_calls_1m (
      tenant_id ${LC},
      caller ${LC},
      target_kind ${LC},
      target_system ${LC},
      target ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      target_host SimpleAggregateFunction(any, String),
      count ${SUM_U64},
      errors ${SUM_U64},
      duration_sum_ns ${SUM_U64},
      duration_q AggregateFunction(quantileTDigest, UInt64),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, caller, target_kind, target_system, target, minute')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_calls_1m_mv TO ${db}.service_calls_1m AS
    SELECT tenant_id, service AS caller, ${kind} AS target_kind, ${system} AS target_system, ${target} AS target,
      toStartOfMinute(toDateTime(end_ts)) AS minute,
      any(${targetHost}) AS target_host,
      count() AS count, sum(is_error) AS errors, sum(duration_ns) AS duration_sum_ns,
      quantileTDigestState(duration_ns) AS duration_q,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE ${clientSpans} AND ${target} != ''
    GROUP BY tenant_id, caller, target_kind, target_system, target, minute`,
    `CREATE TABLE IF NOT EXISTS ${db}.service_call_links (
      tenant_id ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      link UInt64,
      caller ${LC},
      target_kind ${LC},
      target ${LC},
      callee ${LC},
      retention_days UInt16
    ) ${storage('MergeTree', 'minute', 'tenant_id, minute, link')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_call_links_client_mv TO ${db}.service_call_links AS
    SELECT tenant_id, toStartOfMinute(toDateTime(ts)) AS minute, cityHash64(trace_id, span_id) AS link,
      service AS caller, ${kind} AS target_kind, ${target} AS target, '' AS callee, retention_days
    FROM ${db}.spans
    WHERE ${clientSpans} AND NOT ${isDb} AND ${target} != ''`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_call_links_server_mv TO ${db}.service_call_links AS
    SELECT tenant_id, toStartOfMinute(toDateTime(ts)) AS minute, cityHash64(trace_id, parent_span_id) AS link,
      '' AS caller, '' AS target_kind, '' AS target, service AS callee, retention_days
    FROM ${db}.spans
    WHERE kind IN ('SERVER', 'CONSUMER') AND parent_span_id != ''`,
  ];
}

/**
 * Kubernetes pods and containers (issue 19), from the kubeletstats / k8s_cluster metrics that
 * carry `k8s.pod.name`, so the Kubernetes pages never read raw points:
 * - `k8s_latest_5m`: the last reading (and min/max, for restarts within a window) per pod,
 *   container and metric per 5 minutes, keyed by cluster then time, so the map reads one
 *   cluster's last buckets: rows = pods × containers × metrics × buckets, whatever the export rate.
 * - `k8s_container_1m`: per-minute min/max/sum/count/last per pod, container and metric, keyed by
 *   pod first, so one pod's series read just that pod's rows.
 * Pod-level rows have container ''. Workload, node and the demo mark come from whichever resource
 * carries them (the k8sattributes processor adds workload names to some resources only), so they
 * are max() over rows: a non-empty value wins over ''.
 */
function kubernetes(db: string): string[] {
  const r = (k: string) => `resource_attributes['${k}']`;
  // kubeletstats (usage) and k8s_cluster (specs, restarts, readiness, phase) names the pages read.
  const metrics = [
    'container.cpu.usage',
    'container.memory.working_set',
    'k8s.container.cpu_limit',
    'k8s.container.memory_limit',
    'k8s.container.cpu_limit_utilization',
    'k8s.container.memory_limit_utilization',
    'k8s.container.restarts',
    'k8s.container.ready',
    'k8s.pod.phase',
    'k8s.pod.cpu.usage',
    'k8s.pod.memory.working_set',
  ];
  const kinds = ['deployment', 'statefulset', 'daemonset', 'job', 'cronjob'];
  const workloadKind = `multiIf(${kinds.map((k) => `${r(`k8s.${k}.name`)} != '', '${k}'`).join(', ')}, '')`;
  const workload = `multiIf(${kinds.map((k) => `${r(`k8s.${k}.name`)} != '', ${r(`k8s.${k}.name`)}`).join(', ')}, '')`;
  const table = (name: string, time: string, extra: string, orderBy: string) => `CREATE TABLE IF NOT EXISTS ${db}.${name} (
      tenant_id ${LC},
      cluster ${LC},
      namespace ${LC},
      pod ${LC},
      container ${LC},
      metric_name ${LC},
      ${time} DateTime CODEC(Delta, ZSTD(1)),
      node SimpleAggregateFunction(max, String),
      workload_kind SimpleAggregateFunction(max, String),
      workload SimpleAggregateFunction(max, String),
      demo SimpleAggregateFunction(max, UInt8),
      min SimpleAggregateFunction(min, Float64),
      max SimpleAggregateFunction(max, Float64),${extra}
      last AggregateFunction(argMax, Float64, DateTime64(9)),
      last_ts SimpleAggregateFunction(max, DateTime64(9)),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', time, orderBy)}`;
  const view = (name: string, time: string, bucket: string, extra: string) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${name}_mv TO ${db}.${name} AS
    SELECT tenant_id,
      ${r('k8s.cluster.name')} AS cluster, ${r('k8s.namespace.name')} AS namespace, ${r('k8s.pod.name')} AS pod, ${r('k8s.container.name')} AS container,
      metric_name, ${bucket} AS ${time},
      max(${r('k8s.node.name')}) AS node, max(${workloadKind}) AS workload_kind, max(${workload}) AS workload,
      max(${r('meridian.demo')} = 'true') AS demo,
      min(value) AS min, max(value) AS max,${extra}
      argMaxState(value, ts) AS last, max(ts) AS last_ts,
      max(retention_days) AS retention_days
    FROM ${db}.metric_points
    WHERE metric_points.metric_name IN (${metrics.map((m) => `'${m}'`).join(', ')}) AND metric_points.metric_type IN ('GAUGE', 'SUM')
      AND ${r('k8s.pod.name')} != ''
    GROUP BY tenant_id, cluster, namespace, pod, container, metric_name, ${time}`;
  return [
    table('k8s_latest_5m', 'bucket', '', 'tenant_id, cluster, bucket, namespace, pod, container, metric_name'),
    view('k8s_latest_5m', 'bucket', 'toStartOfFiveMinutes(toDateTime(ts))', ''),
    table(
      'k8s_container_1m',
      'minute',
      `
      sum SimpleAggregateFunction(sum, Float64),
      count ${SUM_U64},`,
      'tenant_id, cluster, namespace, pod, container, metric_name, minute',
    ),
    view('k8s_container_1m', 'minute', 'toStartOfMinute(toDateTime(ts))', ' sum(value) AS sum, count() AS count,'),
  ];
}

/**
 * Servers (version 10): per-host and per-process rollups of the hostmetrics receiver's metrics
 * (and of the collector role's built-in host source, which sends the same names), filled at
 * insert so the servers pages never read raw points.
 *
 * What the receiver sends, and why the views look like this:
 * - `system.cpu.time`, `system.network.io`, `system.disk.io` and `process.cpu.time` are
 *   CUMULATIVE monotonic sums (seconds or bytes since boot / process start), one point per
 *   cpu × state (device × direction) per scrape. A rate needs two scrapes, and the default
 *   collection interval (1 min) puts one scrape in a minute, so the views keep the first and last
 *   (value, time) of each minute and readers take deltas across minutes (a negative delta is a
 *   counter reset and reads as no value).
 * - Points of one scrape share one timestamp, so the views first add them up per timestamp
 *   (over cpus, devices, states) and then roll the per-scrape totals into the minute. A scrape
 *   that an exporter splits over two requests is counted as two partial scrapes.
 * - `system.memory.usage` and `system.filesystem.usage` are non-monotonic sums (bytes by state):
 *   memory use = used / sum of the states (slab_* excluded: Linux reports them inside the
 *   others); filesystem use = used / (used + free), as the receiver's utilization and df count it
 *   (blocks reserved for root are neither).
 *   The `*.utilization` gauges are off by default in the receiver; when sent they are used for
 *   CPU and memory if the usage metrics are absent.
 * - Scrapers report at slightly different times (cpu, memory… are separate resources), so a
 *   summary row keeps each figure with its own "seen" flag: the argMin/argMax of a figure use a
 *   far-future/epoch sentinel time for scrapes that did not carry it.
 * - Hosts are `host_name` (the resource's host.name); loopback is left out of network traffic.
 */
function hosts(db: string): string[] {
  const s = (k: string) => `attributes['${k}']`;
  const never = `toDateTime64('2200-01-01 00:00:00', 9, 'UTC')`;
  const epoch = `toDateTime64(0, 9, 'UTC')`;
  const firstLast = (name: string, tuple: string, seen: string) =>
    `argMinState(${tuple}, if(${seen}, ts, ${never})) AS ${name}_first, argMaxState(${tuple}, if(${seen}, ts, ${epoch})) AS ${name}_last`;
  const CPU_PAIR = 'AggregateFunction(argMin, Tuple(Float64, Float64, DateTime64(9)), DateTime64(9))';
  const VALUE_AT = (fn: string) => `AggregateFunction(${fn}, Tuple(Float64, DateTime64(9)), DateTime64(9))`;
  const SUM_F = 'SimpleAggregateFunction(sum, Float64)';
  const seriesMetrics = [
    'system.cpu.time',
    'system.cpu.utilization',
    'system.memory.usage',
    'system.memory.utilization',
    'system.cpu.load_average.1m',
    'system.cpu.load_average.5m',
    'system.cpu.load_average.15m',
    'system.filesystem.usage',
    'system.filesystem.utilization',
    'system.disk.io',
    'system.network.io',
  ];
  return [
    // One row per host and minute, ordered by minute: the servers overview reads the last minutes of every host.
    `CREATE TABLE IF NOT EXISTS ${db}.host_summary_1m (
      tenant_id ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      host_name ${LC},
      resource_attributes SimpleAggregateFunction(anyLast, Map(String, String)) CODEC(ZSTD(1)),
      last_seen SimpleAggregateFunction(max, DateTime64(9)),
      cpu_first ${CPU_PAIR},
      cpu_last ${CPU_PAIR.replace('argMin', 'argMax')},
      cpu_util_sum ${SUM_F},
      cpu_util_count ${SUM_U64},
      mem_used ${SUM_F},
      mem_total ${SUM_F},
      mem_util_sum ${SUM_F},
      mem_util_count ${SUM_U64},
      fs_used ${SUM_F},
      fs_total ${SUM_F},
      fs_util_max SimpleAggregateFunction(max, Float64),
      net_first ${VALUE_AT('argMin')},
      net_last ${VALUE_AT('argMax')},
      load_sum ${SUM_F},
      load_count ${SUM_U64},
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, minute, host_name')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.host_summary_1m_mv TO ${db}.host_summary_1m AS
    SELECT tenant_id, toStartOfMinute(toDateTime(ts)) AS minute, host_name,
      anyLast(res) AS resource_attributes,
      max(ts) AS last_seen,
      ${firstLast('cpu', '(cpu_total, cpu_idle, ts)', 'cpu_n > 0')},
      sumIf(1 - cpu_util_idle, cpu_util_n > 0) AS cpu_util_sum, countIf(cpu_util_n > 0) AS cpu_util_count,
      sum(mem_used) AS mem_used, sum(mem_total) AS mem_total,
      sumIf(mem_util, mem_util_n > 0) AS mem_util_sum, countIf(mem_util_n > 0) AS mem_util_count,
      sum(fs_used) AS fs_used, sum(fs_total) AS fs_total, max(fs_util) AS fs_util_max,
      ${firstLast('net', '(net, ts)', 'net_n > 0')},
      sumIf(load, load_n > 0) AS load_sum, countIf(load_n > 0) AS load_count,
      max(retention) AS retention_days
    FROM (
      SELECT tenant_id, host_name, ts,
        anyLast(CAST(resource_attributes, 'Map(String, String)')) AS res,
        sumIf(value, metric_name = 'system.cpu.time') AS cpu_total,
        sumIf(value, metric_name = 'system.cpu.time' AND ${s('state')} = 'idle') AS cpu_idle,
        countIf(metric_name = 'system.cpu.time') AS cpu_n,
        avgIf(value, metric_name = 'system.cpu.utilization' AND ${s('state')} = 'idle') AS cpu_util_idle,
        countIf(metric_name = 'system.cpu.utilization' AND ${s('state')} = 'idle') AS cpu_util_n,
        sumIf(value, metric_name = 'system.memory.usage' AND ${s('state')} = 'used') AS mem_used,
        sumIf(value, metric_name = 'system.memory.usage' AND NOT startsWith(${s('state')}, 'slab_')) AS mem_total,
        sumIf(value, metric_name = 'system.memory.utilization' AND ${s('state')} = 'used') AS mem_util,
        countIf(metric_name = 'system.memory.utilization' AND ${s('state')} = 'used') AS mem_util_n,
        sumIf(value, metric_name = 'system.filesystem.usage' AND ${s('state')} = 'used') AS fs_used,
        sumIf(value, metric_name = 'system.filesystem.usage' AND ${s('state')} IN ('used', 'free')) AS fs_total,
        maxIf(value, metric_name = 'system.filesystem.utilization') AS fs_util,
        sumIf(value, metric_name = 'system.network.io' AND ${s('device')} != 'lo') AS net,
        countIf(metric_name = 'system.network.io') AS net_n,
        sumIf(value, metric_name = 'system.cpu.load_average.1m') AS load,
        countIf(metric_name = 'system.cpu.load_average.1m') AS load_n,
        max(retention_days) AS retention
      FROM ${db}.metric_points
      WHERE host_name != '' AND startsWith(metric_name, 'system.')
      GROUP BY tenant_id, host_name, ts
    )
    GROUP BY tenant_id, host_name, minute`,
    // One row per host, metric, series (state / direction / mountpoint) and minute: the server page's charts and filesystems.
    `CREATE TABLE IF NOT EXISTS ${db}.host_series_1m (
      tenant_id ${LC},
      host_name ${LC},
      metric_name ${LC},
      device ${LC},
      state ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      first ${VALUE_AT('argMin')},
      last ${VALUE_AT('argMax')},
      sum ${SUM_F},
      count ${SUM_U64},
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, host_name, metric_name, device, state, minute')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.host_series_1m_mv TO ${db}.host_series_1m AS
    SELECT tenant_id, host_name, metric_name, device, state, toStartOfMinute(toDateTime(ts)) AS minute,
      argMinState((v, ts), ts) AS first, argMaxState((v, ts), ts) AS last,
      sum(v) AS sum, count() AS count, max(retention) AS retention_days
    FROM (
      SELECT tenant_id, host_name, metric_name, ts,
        if(startsWith(metric_name, 'system.filesystem.'), ${s('mountpoint')}, '') AS device,
        if(${s('state')} != '', ${s('state')}, ${s('direction')}) AS state,
        -- cpu utilization is per cpu: the host's is the mean; everything else adds up over cpus/devices.
        if(endsWith(metric_name, '.utilization'), avg(value), sum(value)) AS v,
        max(retention_days) AS retention
      FROM ${db}.metric_points
      WHERE host_name != '' AND metric_name IN (${seriesMetrics.map((m) => `'${m}'`).join(', ')})
        AND NOT (metric_name = 'system.network.io' AND ${s('device')} = 'lo')
      GROUP BY tenant_id, host_name, metric_name, device, state, ts
    )
    GROUP BY tenant_id, host_name, metric_name, device, state, minute`,
    // One row per host, process (pid) and minute: the top processes at a chosen moment.
    `CREATE TABLE IF NOT EXISTS ${db}.host_processes_1m (
      tenant_id ${LC},
      host_name ${LC},
      minute DateTime CODEC(Delta, ZSTD(1)),
      pid ${LC},
      executable SimpleAggregateFunction(anyLast, String),
      command_line SimpleAggregateFunction(anyLast, String) CODEC(ZSTD(1)),
      owner SimpleAggregateFunction(anyLast, String),
      cpu_first ${VALUE_AT('argMin')},
      cpu_last ${VALUE_AT('argMax')},
      cpu_util_sum ${SUM_F},
      cpu_util_count ${SUM_U64},
      mem_sum ${SUM_F},
      mem_count ${SUM_U64},
      mem_util_sum ${SUM_F},
      mem_util_count ${SUM_U64},
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'minute', 'tenant_id, host_name, minute, pid')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.host_processes_1m_mv TO ${db}.host_processes_1m AS
    SELECT tenant_id, host_name, toStartOfMinute(toDateTime(ts)) AS minute, pid,
      anyLast(executable) AS executable, anyLast(command_line) AS command_line, anyLast(owner) AS owner,
      ${firstLast('cpu', '(cpu, ts)', 'cpu_n > 0')},
      sumIf(cpu_util, cpu_util_n > 0) AS cpu_util_sum, countIf(cpu_util_n > 0) AS cpu_util_count,
      sumIf(mem, mem_n > 0) AS mem_sum, countIf(mem_n > 0) AS mem_count,
      sumIf(mem_util, mem_util_n > 0) AS mem_util_sum, countIf(mem_util_n > 0) AS mem_util_count,
      max(retention) AS retention_days
    FROM (
      SELECT tenant_id, host_name, resource_attributes['process.pid'] AS pid, ts,
        any(resource_attributes['process.executable.name']) AS executable,
        any(resource_attributes['process.command_line']) AS command_line,
        any(resource_attributes['process.owner']) AS owner,
        sumIf(value, metric_name = 'process.cpu.time') AS cpu, countIf(metric_name = 'process.cpu.time') AS cpu_n,
        sumIf(value, metric_name = 'process.cpu.utilization') AS cpu_util, countIf(metric_name = 'process.cpu.utilization') AS cpu_util_n,
        sumIf(value, metric_name = 'process.memory.usage') AS mem, countIf(metric_name = 'process.memory.usage') AS mem_n,
        sumIf(value, metric_name = 'process.memory.utilization') AS mem_util, countIf(metric_name = 'process.memory.utilization') AS mem_util_n,
        max(retention_days) AS retention
      FROM ${db}.metric_points
      WHERE host_name != '' AND startsWith(metric_name, 'process.') AND resource_attributes['process.pid'] != ''
      GROUP BY tenant_id, host_name, pid, ts
    )
    GROUP BY tenant_id, host_name, pid, minute`,
  ];
}

/**
 * Error spans apart (the span's key columns only), for "status = error" trace searches: errors are
 * a few per cent of spans and spread over every granule of `spans`, whose key leads with service
 * and endpoint, so a newest-first error search read the ids of every span in its time slice. Here
 * a minute of one tenant's errors is a few granules. Old errors are copied before the view is
 * created: spans another process stores in the instant between the two statements are not
 * copied (migrations run at start-up, before this process ingests).
 */
function errorSpans(db: string): string[] {
  const columns = 'tenant_id, ts, duration_ns, service, endpoint, http_status, trace_id, span_id, retention_days';
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.error_spans (
      tenant_id ${LC},
      ts ${TIME},
      duration_ns UInt64 CODEC(T64, ZSTD(1)),
      service ${LC},
      endpoint ${LC},
      http_status UInt16,
      trace_id ${ID},
      span_id ${ID},
      retention_days UInt16
    ) ${storage('MergeTree', 'ts', 'tenant_id, toStartOfMinute(ts), service, endpoint')}, index_granularity = 2048`,
    `INSERT INTO ${db}.error_spans (${columns})
    SELECT ${columns} FROM ${db}.spans
    WHERE is_error = 1 AND (SELECT count() FROM ${db}.error_spans) = 0`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.error_spans_mv TO ${db}.error_spans AS
    SELECT ${columns} FROM ${db}.spans WHERE is_error = 1`,
  ];
}

/**
 * trace_index again with granules of 512 rows instead of 8,192: the trace explorer looks up the
 * summaries of a page of traces (up to 200 random ids, each in its own granule), and trace by
 * id one, so the granule is what such a read costs (50 ids: 68 → 35 ms CPU on 3 M traces). The
 * granularity of a table is fixed at creation, hence a new table. The old rows are copied before
 * the new view is created, then the old view is dropped (the same instant as in errorSpans);
 * trace_index itself is left to expire by its TTL, so rerunning any statement is harmless.
 */
function traceSummaries(db: string): string[] {
  const columns = 'tenant_id, trace_id, start_ts, end_ts, span_count, error_count, root_service, root_endpoint, services, retention_days';
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.trace_summaries (
      tenant_id ${LC},
      trace_id ${ID},
      start_ts SimpleAggregateFunction(min, DateTime64(9)) CODEC(Delta, ZSTD(1)),
      end_ts SimpleAggregateFunction(max, DateTime64(9)) CODEC(Delta, ZSTD(1)),
      span_count ${SUM_U64},
      error_count ${SUM_U64},
      root_service AggregateFunction(argMinIf, String, DateTime64(9), UInt8),
      root_endpoint AggregateFunction(argMinIf, String, DateTime64(9), UInt8),
      services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
      ${MAX_RETENTION}
    ) ${storage('AggregatingMergeTree', 'start_ts', 'tenant_id, trace_id')}, index_granularity = 512`,
    `INSERT INTO ${db}.trace_summaries (${columns})
    SELECT ${columns} FROM ${db}.trace_index
    WHERE (SELECT count() FROM ${db}.trace_summaries) = 0`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.trace_summaries_mv TO ${db}.trace_summaries AS
    SELECT tenant_id, trace_id,
      min(ts) AS start_ts, max(end_ts) AS end_ts,
      count() AS span_count, sum(is_error) AS error_count,
      argMinIfState(toString(service), ts, parent_span_id = '') AS root_service,
      argMinIfState(toString(endpoint), ts, parent_span_id = '') AS root_endpoint,
      groupUniqArray(toString(service)) AS services,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    GROUP BY tenant_id, trace_id`,
    `DROP VIEW IF EXISTS ${db}.trace_index_mv`,
  ];
}

/**
 * Cheaper views on `spans` (issue 13), same rows in every target:
 * - `hitmap_5s_mv` computes the duration row by band (`hitmapRowBandSql`, 6 branches) instead of
 *   one branch per threshold (119). Changed in place (MODIFY QUERY), so no insert is missed.
 * - `hitmap_tenant_5s` is filled from the rows `hitmap_5s_mv` writes (already summed per
 *   endpoint, cell and 5 s), not from spans: summing those again per (tenant, cell) gives the
 *   same hits, errors and retention, from a few thousand rows per insert instead of every entry
 *   span. A view on a view's target runs on each block that view writes.
 * - The service map's three views (`service_calls_1m_mv` and the two `service_call_links` sides)
 *   each evaluated the target expressions (attribute lookups, URL parsing) over spans: now one
 *   view, `service_call_spans_mv`, evaluates them once per client span into `service_call_spans`
 *   (ENGINE = Null: stores nothing, it only feeds the views on it), and `service_calls_1m_mv`
 *   and `service_call_links_mv` read that. Filters and output columns are those of version 7.
 * - `trace_summaries_mv` passes LowCardinality columns to the aggregate
 *   functions as they are: the states are of the same types (an aggregate function takes the
 *   values of a LowCardinality argument), and `toString` over each span was pure cost.
 * The old views are dropped before the new ones are created, so a rerun (after a crash) starts
 * over: inserts in the instant between the two are not rolled up (migrations run at start-up,
 * before this process ingests), never twice.
 */
function cheaperSpanViews(db: string): string[] {
  const { isDb, kind, system, target, targetHost, clientSpans } = serviceMapExpressions();
  return [
    `ALTER TABLE ${db}.hitmap_5s_mv MODIFY QUERY
    SELECT tenant_id, service, endpoint,
      toStartOfInterval(toDateTime(end_ts), INTERVAL 5 SECOND) AS bucket,
      ${hitmapRowBandSql('duration_ns')} AS y,
      count() AS hits, sum(is_error) AS errors,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    WHERE is_entry = 1
    GROUP BY tenant_id, service, endpoint, bucket, y`,
    `ALTER TABLE ${db}.trace_summaries_mv MODIFY QUERY
    SELECT tenant_id, trace_id,
      min(ts) AS start_ts, max(end_ts) AS end_ts,
      count() AS span_count, sum(is_error) AS error_count,
      argMinIfState(service, ts, parent_span_id = '') AS root_service,
      argMinIfState(endpoint, ts, parent_span_id = '') AS root_endpoint,
      groupUniqArray(service) AS services,
      max(retention_days) AS retention_days
    FROM ${db}.spans
    GROUP BY tenant_id, trace_id`,
    `DROP VIEW IF EXISTS ${db}.hitmap_tenant_5s_mv`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.hitmap_tenant_5s_mv TO ${db}.hitmap_tenant_5s AS
    SELECT tenant_id, bucket, y, sum(hits) AS hits, sum(errors) AS errors, max(retention_days) AS retention_days
    FROM ${db}.hitmap_5s
    GROUP BY tenant_id, bucket, y`,
    `CREATE TABLE IF NOT EXISTS ${db}.service_call_spans (
      tenant_id ${LC},
      start_minute DateTime,
      end_minute DateTime,
      is_client UInt8,
      is_db UInt8,
      link UInt64,
      service ${LC},
      target_kind String,
      target_system String,
      target String,
      target_host String,
      is_error UInt8,
      duration_ns UInt64,
      retention_days UInt16
    ) ENGINE = Null`,
    `DROP VIEW IF EXISTS ${db}.service_call_spans_mv`,
    `DROP VIEW IF EXISTS ${db}.service_calls_1m_mv`,
    `DROP VIEW IF EXISTS ${db}.service_call_links_client_mv`,
    `DROP VIEW IF EXISTS ${db}.service_call_links_server_mv`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_calls_1m_mv TO ${db}.service_calls_1m AS
    SELECT tenant_id, service AS caller, target_kind, target_system, target,
      end_minute AS minute,
      any(target_host) AS target_host,
      count() AS count, sum(is_error) AS errors, sum(duration_ns) AS duration_sum_ns,
      quantileTDigestState(duration_ns) AS duration_q,
      max(retention_days) AS retention_days
    FROM ${db}.service_call_spans
    WHERE is_client = 1
    GROUP BY tenant_id, caller, target_kind, target_system, target, minute`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_call_links_mv TO ${db}.service_call_links AS
    SELECT tenant_id, start_minute AS minute, link,
      if(is_client = 1, service, '') AS caller, target_kind, target, if(is_client = 1, '', service) AS callee, retention_days
    FROM ${db}.service_call_spans
    WHERE is_client = 0 OR is_db = 0`,
    // Client spans that call something (the rollup and, unless a database, the link) and
    // server spans with a parent (the other side of a link); target columns are '' on the latter.
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.service_call_spans_mv TO ${db}.service_call_spans AS
    SELECT tenant_id, start_minute, end_minute, is_client, is_db, link, service,
      target_kind, target_system, target, target_host, is_error, duration_ns, retention_days
    FROM (
      SELECT tenant_id,
        toStartOfMinute(toDateTime(ts)) AS start_minute, toStartOfMinute(toDateTime(end_ts)) AS end_minute,
        toUInt8(${clientSpans}) AS is_client, toUInt8(${isDb}) AS is_db,
        if(is_client = 1, cityHash64(trace_id, span_id), cityHash64(trace_id, parent_span_id)) AS link,
        service,
        if(is_client = 1, ${kind}, '') AS target_kind,
        if(is_client = 1, ${system}, '') AS target_system,
        if(is_client = 1, ${target}, '') AS target,
        if(is_client = 1, ${targetHost}, '') AS target_host,
        is_error, duration_ns, retention_days
      FROM ${db}.spans
      WHERE ${clientSpans} OR (kind IN ('SERVER', 'CONSUMER') AND parent_span_id != '')
    )
    WHERE is_client = 0 OR target != ''`,
  ];
}

/**
 * Smaller spans (issue 13): `end_ts` becomes an ALIAS (`ts + duration_ns`, computed when read)
 * instead of a stored MATERIALIZED column (3.95 B/span), and its minmax index goes: no query
 * filters `spans` by end time (drag-selects read `transactions_by_end`), and the views that
 * bucket by end time compute it over the inserted block as before. Old parts drop the column
 * when they merge. The codec must go before a column can become an ALIAS; both in one ALTER, so
 * a rerun finds the alias there (migrate.ts takes that error as done).
 * Measured and not taken (README): ZSTD(3) on the attribute maps saved 4.9 B/span but cost
 * ~2.5 µs/span more CPU at insert; DoubleDelta on ts and ZSTD(3) on durations or ids came out larger.
 */
function smallerSpans(db: string): string[] {
  return [
    `ALTER TABLE ${db}.spans DROP INDEX IF EXISTS idx_end_ts`,
    `ALTER TABLE ${db}.spans MODIFY COLUMN end_ts REMOVE CODEC, MODIFY COLUMN end_ts DateTime64(9) ALIAS addNanoseconds(ts, duration_ns)`,
  ];
}

/** All migrations, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'spans_and_trace_rollups', statements: spansAndRollups },
  { version: 2, name: 'metric_points_and_rollup', statements: metrics },
  { version: 3, name: 'logs', statements: logs },
  { version: 4, name: 'hitmap_tenant_rollup', statements: tenantHitmap },
  { version: 5, name: 'transactions_by_end', statements: transactionsByEnd },
  { version: 6, name: 'trace_index_services', statements: traceServices },
  { version: 7, name: 'service_map', statements: serviceMap },
  { version: 8, name: 'log_body_ngrams', statements: logBodyNgrams },
  { version: 10, name: 'hosts', statements: hosts },
  { version: 11, name: 'kubernetes_rollups', statements: kubernetes },
  { version: 12, name: 'error_spans', statements: errorSpans },
  { version: 13, name: 'trace_summaries', statements: traceSummaries },
  { version: 14, name: 'cheaper_span_views', statements: cheaperSpanViews },
  { version: 15, name: 'smaller_spans', statements: smallerSpans },
];

/** Tables (not views) the migrations create, for checks and test cleanup. */
export const STORED_TABLES = [
  'spans',
  'trace_index',
  'hitmap_5s',
  'hitmap_tenant_5s',
  'service_red_1m',
  'sql_stats_1m',
  'transactions_by_end',
  'service_calls_1m',
  'service_call_links',
  'metric_points',
  'metric_rollup_1m',
  'logs',
  'host_summary_1m',
  'host_series_1m',
  'host_processes_1m',
  'k8s_latest_5m',
  'k8s_container_1m',
  'error_spans',
  'trace_summaries',
] as const;
export type StoredTable = (typeof STORED_TABLES)[number];
