import type { LogRow, MetricPointRow, RowTable, RowsByTable, SpanRow } from './rows';

/**
 * How row batches travel on the bus and into ClickHouse. Intake writes Native (native-rows.ts:
 * columnar, about half ClickHouse's parsing work). JSONCompactEachRow (one JSON array per line,
 * values in the column order below) is what earlier builds wrote, still read from the bus, and
 * what bad-row isolation works on, because a row range of it is a byte range.
 * Changing a column list is a format change: add columns at the end, with a default in the table.
 */
export type RowBodyFormat = 'JSONCompactEachRow' | 'Native';
export const ROW_FORMAT = 'JSONCompactEachRow';

const SPAN_COLUMNS = [
  'tenant_id',
  'ts',
  'duration_ns',
  'trace_id',
  'span_id',
  'parent_span_id',
  'trace_state',
  'service',
  'span_name',
  'endpoint',
  'kind',
  'is_entry',
  'txn_service',
  'txn_endpoint',
  'status_code',
  'status_message',
  'is_error',
  'http_method',
  'http_status',
  'http_route',
  'url_path',
  'db_system',
  'db_name',
  'db_instance',
  'db_operation',
  'db_statement',
  'db_fingerprint',
  'peer_service',
  'host_name',
  'scope_name',
  'scope_version',
  'resource_attributes',
  'attributes',
  'events_ts',
  'events_name',
  'events_attributes',
  'links_trace_id',
  'links_span_id',
  'retention_days',
] as const satisfies readonly (keyof SpanRow)[];

const METRIC_POINT_COLUMNS = [
  'tenant_id',
  'ts',
  'start_ts',
  'metric_name',
  'metric_type',
  'unit',
  'description',
  'temporality',
  'is_monotonic',
  'service',
  'host_name',
  'resource_attributes',
  'attributes',
  'scope_name',
  'value',
  'count',
  'sum',
  'min',
  'max',
  'bucket_counts',
  'explicit_bounds',
  'exp_scale',
  'exp_zero_count',
  'exp_positive_offset',
  'exp_positive_counts',
  'exp_negative_offset',
  'exp_negative_counts',
  'quantiles',
  'quantile_values',
  'flags',
  'retention_days',
] as const satisfies readonly (keyof MetricPointRow)[];

const LOG_COLUMNS = [
  'tenant_id',
  'ts',
  'observed_ts',
  'trace_id',
  'span_id',
  'severity_number',
  'severity_text',
  'service',
  'host_name',
  'body',
  'resource_attributes',
  'attributes',
  'scope_name',
  'flags',
  'event_name',
  'retention_days',
] as const satisfies readonly (keyof LogRow)[];

// Compile-time check that every field of each row type has a column (and so gets stored).
type Missing<Row, Cols extends readonly unknown[]> = Exclude<keyof Row, Cols[number]>;
type AllStored = [Missing<SpanRow, typeof SPAN_COLUMNS>, Missing<MetricPointRow, typeof METRIC_POINT_COLUMNS>, Missing<LogRow, typeof LOG_COLUMNS>];
const allStored: AllStored extends [never, never, never] ? true : false = true;
void allStored;

export const ROW_COLUMNS: { readonly [T in RowTable]: readonly (keyof RowsByTable[T][number])[] } = {
  spans: SPAN_COLUMNS,
  metric_points: METRIC_POINT_COLUMNS,
  logs: LOG_COLUMNS,
};

/** Rows of one table → a JSONCompactEachRow body: one JSON array per line, each line ending in '\n'. */
export function encodeRows<T extends RowTable>(table: T, rows: readonly RowsByTable[T][number][]): Buffer {
  const columns = ROW_COLUMNS[table] as readonly string[];
  const n = columns.length;
  const values = new Array<unknown>(n);
  let text = '';
  for (const row of rows as unknown as readonly Record<string, unknown>[]) {
    for (let i = 0; i < n; i++) values[i] = row[columns[i]];
    text += JSON.stringify(values) + '\n';
  }
  return Buffer.from(text, 'utf8');
}

/** The inverse of encodeRows, for tests and tools (dead-letter inspection). */
export function decodeRows<T extends RowTable>(table: T, body: Buffer): RowsByTable[T][number][] {
  const columns = ROW_COLUMNS[table] as readonly string[];
  return body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const values = JSON.parse(line) as unknown[];
      return Object.fromEntries(columns.map((c, i) => [c, values[i]])) as unknown as RowsByTable[T][number];
    });
}
