/**
 * Rows as they are written to ClickHouse (JSONEachRow), one interface per stored table.
 * Field names are the column names. Timestamps are strings "<unix seconds>.<9-digit nanos>"
 * (exact: a JS number cannot hold nanoseconds since 1970), which ClickHouse parses into
 * DateTime64(9). 64-bit counters that can exceed 2^53 are decimal strings.
 */

/** Span kind as stored (Enum8 in ClickHouse, same numbering as OTLP). */
export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
/** Span status as stored (Enum8, same numbering as OTLP). */
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

export interface SpanRow {
  tenant_id: string;
  /** Span start. */
  ts: string;
  duration_ns: string;
  trace_id: string; // 32 lowercase hex
  span_id: string; // 16 lowercase hex
  parent_span_id: string; // '' for a root span
  trace_state: string;
  service: string; // resource service.name, 'unknown_service' when absent
  span_name: string;
  /** What the span did: HTTP route / "METHOD route" for servers, else the span name. */
  endpoint: string;
  kind: SpanKindName;
  /** 1 when this span starts a transaction in its service (root, or SERVER/CONSUMER kind). */
  is_entry: 0 | 1;
  /** Service and endpoint of the transaction this span belongs to (its entry span), when known. */
  txn_service: string;
  txn_endpoint: string;
  status_code: StatusCodeName;
  status_message: string;
  /** 1 when status is ERROR, or a SERVER span answered HTTP >= 500. */
  is_error: 0 | 1;
  http_method: string;
  http_status: number; // 0 when absent
  http_route: string;
  url_path: string;
  db_system: string;
  db_name: string;
  /** host[:port] of the database server (server.address/net.peer.name + port), '' when unknown. */
  db_instance: string;
  db_operation: string;
  db_statement: string; // raw statement, truncated to a bounded length
  db_fingerprint: string; // normalized statement ('' when no statement)
  peer_service: string;
  host_name: string;
  scope_name: string;
  scope_version: string;
  resource_attributes: Record<string, string>;
  attributes: Record<string, string>;
  events_ts: string[];
  events_name: string[];
  events_attributes: Record<string, string>[];
  links_trace_id: string[];
  links_span_id: string[];
  retention_days: number;
}

/** The type-specific value columns of a metric point, all empty; each metric type fills its own. */
export function emptyMetricValues(): Pick<
  MetricPointRow,
  | 'value'
  | 'count'
  | 'sum'
  | 'min'
  | 'max'
  | 'bucket_counts'
  | 'explicit_bounds'
  | 'exp_scale'
  | 'exp_zero_count'
  | 'exp_positive_offset'
  | 'exp_positive_counts'
  | 'exp_negative_offset'
  | 'exp_negative_counts'
  | 'quantiles'
  | 'quantile_values'
> {
  return {
    value: 0,
    count: '0',
    sum: 0,
    min: null,
    max: null,
    bucket_counts: [],
    explicit_bounds: [],
    exp_scale: 0,
    exp_zero_count: '0',
    exp_positive_offset: 0,
    exp_positive_counts: [],
    exp_negative_offset: 0,
    exp_negative_counts: [],
    quantiles: [],
    quantile_values: [],
  };
}

export type MetricTypeName = 'GAUGE' | 'SUM' | 'HISTOGRAM' | 'EXP_HISTOGRAM' | 'SUMMARY';
export type TemporalityName = 'UNSPECIFIED' | 'DELTA' | 'CUMULATIVE';

export interface MetricPointRow {
  tenant_id: string;
  ts: string;
  start_ts: string; // '0.000000000' when absent
  metric_name: string;
  metric_type: MetricTypeName;
  unit: string;
  description: string;
  temporality: TemporalityName;
  is_monotonic: 0 | 1;
  service: string;
  host_name: string;
  resource_attributes: Record<string, string>;
  attributes: Record<string, string>;
  scope_name: string;
  /** Gauge / sum value (int values converted). 0 for the other types. */
  value: number;
  /** Histogram, exponential histogram and summary. */
  count: string;
  sum: number;
  min: number | null;
  max: number | null;
  bucket_counts: string[];
  explicit_bounds: number[];
  exp_scale: number;
  exp_zero_count: string;
  exp_positive_offset: number;
  exp_positive_counts: string[];
  exp_negative_offset: number;
  exp_negative_counts: string[];
  quantiles: number[];
  quantile_values: number[];
  flags: number;
  retention_days: number;
}

export interface LogRow {
  tenant_id: string;
  ts: string;
  observed_ts: string;
  trace_id: string; // '' when absent
  span_id: string;
  severity_number: number;
  severity_text: string;
  service: string;
  host_name: string;
  body: string; // strings as is, other AnyValues as JSON
  resource_attributes: Record<string, string>;
  attributes: Record<string, string>;
  scope_name: string;
  flags: number;
  event_name: string;
  retention_days: number;
}

/** The stored tables the ingester writes to; all other tables are fed by materialized views. */
export type RowTable = 'spans' | 'metric_points' | 'logs';

export interface RowsByTable {
  spans: SpanRow[];
  metric_points: MetricPointRow[];
  logs: LogRow[];
}
