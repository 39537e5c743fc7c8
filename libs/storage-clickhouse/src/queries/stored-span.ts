import type { SpanKindName, SpanRow, StatusCodeName } from '@meridian/domain';

export interface StoredSpanEvent {
  time: string;
  unixNanos: string;
  name: string;
  attributes: Record<string, string>;
}

export interface StoredSpanLink {
  traceId: string;
  spanId: string;
}

/** A span as the API returns it: camelCase, every stored column, exact times. */
export interface StoredSpan {
  tenantId: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  /** ISO 8601 with 9 fractional digits (UTC). */
  startTime: string;
  startUnixNanos: string;
  endTime: string;
  endUnixNanos: string;
  durationNs: string;
  durationMs: number;
  service: string;
  spanName: string;
  endpoint: string;
  kind: SpanKindName;
  isEntry: boolean;
  txnService: string;
  txnEndpoint: string;
  statusCode: StatusCodeName;
  statusMessage: string;
  isError: boolean;
  httpMethod: string;
  httpStatus: number;
  httpRoute: string;
  urlPath: string;
  dbSystem: string;
  dbName: string;
  dbInstance: string;
  dbOperation: string;
  dbStatement: string;
  dbFingerprint: string;
  peerService: string;
  hostName: string;
  scopeName: string;
  scopeVersion: string;
  resourceAttributes: Record<string, string>;
  attributes: Record<string, string>;
  events: StoredSpanEvent[];
  links: StoredSpanLink[];
  retentionDays: number;
}

/** Columns to select from `spans` for {@link toStoredSpan}; 64-bit values as strings (exact). */
export const STORED_SPAN_COLUMNS = `tenant_id, trace_id, span_id, parent_span_id, trace_state,
  toString(toUnixTimestamp64Nano(ts)) AS start_ns, toString(duration_ns) AS duration_ns_text,
  service, span_name, endpoint, kind, is_entry, txn_service, txn_endpoint, status_code, status_message, is_error,
  http_method, http_status, http_route, url_path, db_system, db_name, db_instance, db_operation, db_statement, db_fingerprint,
  peer_service, host_name, scope_name, scope_version, resource_attributes, attributes,
  arrayMap(e -> toString(toUnixTimestamp64Nano(e)), events_ts) AS events_ns, events_name, events_attributes,
  links_trace_id, links_span_id, retention_days`;

/** A `spans` row as STORED_SPAN_COLUMNS selects it: the row as written, its times as unix-nanosecond strings. */
export type StoredSpanRecord = Omit<SpanRow, 'ts' | 'duration_ns' | 'events_ts'> & {
  start_ns: string;
  duration_ns_text: string;
  events_ns: string[];
};

/** Unix nanoseconds → ISO 8601 UTC with all 9 fractional digits. */
export function nanosToIso(nanos: bigint): string {
  const secs = nanos / 1_000_000_000n;
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

export function toStoredSpan(r: StoredSpanRecord): StoredSpan {
  const start = BigInt(r.start_ns);
  const duration = BigInt(r.duration_ns_text);
  const end = start + duration;
  return {
    tenantId: r.tenant_id,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    traceState: r.trace_state,
    startTime: nanosToIso(start),
    startUnixNanos: start.toString(),
    endTime: nanosToIso(end),
    endUnixNanos: end.toString(),
    durationNs: duration.toString(),
    durationMs: Number(duration) / 1e6,
    service: r.service,
    spanName: r.span_name,
    endpoint: r.endpoint,
    kind: r.kind,
    isEntry: Number(r.is_entry) === 1,
    txnService: r.txn_service,
    txnEndpoint: r.txn_endpoint,
    statusCode: r.status_code,
    statusMessage: r.status_message,
    isError: Number(r.is_error) === 1,
    httpMethod: r.http_method,
    httpStatus: Number(r.http_status),
    httpRoute: r.http_route,
    urlPath: r.url_path,
    dbSystem: r.db_system,
    dbName: r.db_name,
    dbInstance: r.db_instance,
    dbOperation: r.db_operation,
    dbStatement: r.db_statement,
    dbFingerprint: r.db_fingerprint,
    peerService: r.peer_service,
    hostName: r.host_name,
    scopeName: r.scope_name,
    scopeVersion: r.scope_version,
    resourceAttributes: r.resource_attributes,
    attributes: r.attributes,
    events: r.events_ns.map((ns, i) => ({
      time: nanosToIso(BigInt(ns)),
      unixNanos: ns,
      name: r.events_name[i] ?? '',
      attributes: r.events_attributes[i] ?? {},
    })),
    links: r.links_trace_id.map((traceId, i) => ({ traceId, spanId: r.links_span_id[i] ?? '' })),
    retentionDays: Number(r.retention_days),
  };
}
