import { encodeNativeColumns, MapColumnValues, nanosToDateTime64, type SpanKindName, type SpanRow, type StatusCodeName } from '@meridian/domain';
import { type AnyValue, type Attributes, type DecodedTraces, SpanKind, type SpanSink, type StreamedSpan, StatusCode } from '@meridian/otlp';
import { dialectForDbSystem, fingerprintSql } from '@meridian/sql-fingerprint';
import { type RowContext, storableContext } from './row-context';
import { anyValueText, flattenAttributes, resourceColumns, setText, textOf, UINT16_MAX, uintValue } from './values';

const KIND_NAMES: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_MAPS = Object.freeze([]) as unknown as Record<string, string>[];

/** db_statement keeps at most this many UTF-8 bytes (the fingerprint is taken from the whole statement). */
export const MAX_DB_STATEMENT_BYTES = 8 * 1024;

/** One row per span (see SpanColumns). */
export function buildSpanRows(decoded: DecodedTraces, context: RowContext): SpanRow[] {
  return new SpanColumns(context).addDecoded(decoded).rows();
}

/**
 * The spans table's columns of one request, built span by span: from decodeTraces' objects
 * (addDecoded) or straight from the wire (it is the SpanSink of streamTraces), so both give the
 * same rows. Semantic conventions are read under their stable names first, then the old ones
 * (http.request.method/http.method, db.query.text/db.statement, …).
 *
 * txn_service / txn_endpoint name the transaction a span belongs to: its entry span (a root,
 * SERVER or CONSUMER span) in the same service, found by walking parent links. Limitation:
 * only spans of THIS batch are seen, so when the entry span was exported in another request
 * (SDK batches are cut by size and time; long transactions end after their children are
 * exported) the walk stops and both columns are ''. Entry spans point to themselves.
 */
export class SpanColumns implements SpanSink {
  private readonly ctx: RowContext;
  private readonly c = {
    tenant_id: [] as string[],
    ts: [] as bigint[],
    duration_ns: [] as bigint[],
    trace_id: [] as string[],
    span_id: [] as string[],
    parent_span_id: [] as string[],
    trace_state: [] as string[],
    service: [] as string[],
    span_name: [] as string[],
    endpoint: [] as string[],
    kind: [] as SpanKindName[],
    is_entry: [] as (0 | 1)[],
    txn_service: [] as string[],
    txn_endpoint: [] as string[],
    status_code: [] as StatusCodeName[],
    status_message: [] as string[],
    is_error: [] as (0 | 1)[],
    http_method: [] as string[],
    http_status: [] as number[],
    http_route: [] as string[],
    url_path: [] as string[],
    db_system: [] as string[],
    db_name: [] as string[],
    db_instance: [] as string[],
    db_operation: [] as string[],
    db_statement: [] as string[],
    db_fingerprint: [] as string[],
    peer_service: [] as string[],
    host_name: [] as string[],
    scope_name: [] as string[],
    scope_version: [] as string[],
    resource_attributes: new MapColumnValues(),
    attributes: new MapColumnValues(),
    events_ts: [] as string[][],
    events_name: [] as string[][],
    events_attributes: [] as Record<string, string>[][],
    links_trace_id: [] as string[][],
    links_span_id: [] as string[][],
    retention_days: [] as number[],
  };
  private service = 'unknown_service';
  private hostName = '';
  private resourceKeys: string[] = [];
  private resourceValues: string[] = [];
  private scopeName = '';
  private scopeVersion = '';
  private linked = false;
  private readonly conventions = new SpanConventions();

  constructor(context: RowContext) {
    this.ctx = storableContext(context);
  }

  get length(): number {
    return this.c.span_id.length;
  }

  resource(attributes: Attributes): void {
    const { service, hostName, resourceAttributes } = resourceColumns(attributes);
    this.service = service;
    this.hostName = hostName;
    this.resourceKeys = Object.keys(resourceAttributes);
    this.resourceValues = Object.values(resourceAttributes);
  }

  scope(name: string, version: string): void {
    this.scopeName = name;
    this.scopeVersion = version;
  }

  attribute(key: string, value: AnyValue): void {
    this.c.attributes.keys.push(key);
    this.c.attributes.values.push(textOf(value));
    this.conventions.take(key, value);
  }

  span(span: StreamedSpan): void {
    const c = this.c;
    const a = this.conventions;
    const kind = span.kind;
    const httpMethod = anyValueText(a.httpRequestMethod ?? a.httpMethod);
    const httpStatus = uintValue(a.httpResponseStatusCode ?? a.httpStatusCode, UINT16_MAX);
    const httpRoute = anyValueText(a.httpRoute);
    const dbSystem = anyValueText(a.dbSystemName ?? a.dbSystem);
    const statement = anyValueText(a.dbQueryText ?? a.dbStatement);
    const isDb = dbSystem !== '' || statement !== '';

    c.tenant_id.push(this.ctx.tenantId);
    c.ts.push(span.startTimeUnixNano);
    c.duration_ns.push(span.endTimeUnixNano - span.startTimeUnixNano);
    c.trace_id.push(span.traceId);
    c.span_id.push(span.spanId);
    c.parent_span_id.push(span.parentSpanId);
    c.trace_state.push(span.traceState);
    c.service.push(this.service);
    c.span_name.push(span.name);
    c.endpoint.push(kind === SpanKind.SERVER && httpRoute !== '' ? (httpMethod !== '' ? `${httpMethod} ${httpRoute}` : httpRoute) : span.name);
    c.kind.push(KIND_NAMES[kind] ?? 'UNSPECIFIED');
    c.is_entry.push(span.parentSpanId === '' || kind === SpanKind.SERVER || kind === SpanKind.CONSUMER ? 1 : 0);
    c.txn_service.push('');
    c.txn_endpoint.push('');
    c.status_code.push(STATUS_NAMES[span.status.code] ?? 'UNSET');
    c.status_message.push(span.status.message);
    c.is_error.push(span.status.code === StatusCode.ERROR || (kind === SpanKind.SERVER && httpStatus >= 500) ? 1 : 0);
    c.http_method.push(httpMethod);
    c.http_status.push(httpStatus);
    c.http_route.push(httpRoute);
    c.url_path.push(urlPath(a));
    c.db_system.push(dbSystem);
    c.db_name.push(anyValueText(a.dbNamespace ?? a.dbName));
    c.db_instance.push(isDb ? dbInstance(a) : '');
    c.db_operation.push(anyValueText(a.dbOperationName ?? a.dbOperation));
    c.db_statement.push(truncateUtf8(statement, MAX_DB_STATEMENT_BYTES));
    c.db_fingerprint.push(statement !== '' ? fingerprintSql(statement, dialectForDbSystem(dbSystem)) : '');
    c.peer_service.push(anyValueText(a.peerService));
    c.host_name.push(this.hostName);
    c.scope_name.push(this.scopeName);
    c.scope_version.push(this.scopeVersion);
    const res = c.resource_attributes;
    for (let i = 0; i < this.resourceKeys.length; i++) {
      res.keys.push(this.resourceKeys[i]);
      res.values.push(this.resourceValues[i]);
    }
    res.ends.push(res.keys.length);
    c.attributes.ends.push(c.attributes.keys.length);
    a.reset();

    // Most spans have no events and no links: they share frozen empty arrays (nothing downstream writes to them).
    const events = span.events;
    let eventsTs = NO_STRINGS;
    let eventsName = NO_STRINGS;
    let eventsAttributes = NO_MAPS;
    if (events.length > 0) {
      eventsTs = new Array(events.length);
      eventsName = new Array(events.length);
      eventsAttributes = new Array(events.length);
      for (let i = 0; i < events.length; i++) {
        eventsTs[i] = nanosToDateTime64(events[i].timeUnixNano);
        eventsName[i] = events[i].name;
        eventsAttributes[i] = flattenAttributes(events[i].attributes);
      }
    }
    c.events_ts.push(eventsTs);
    c.events_name.push(eventsName);
    c.events_attributes.push(eventsAttributes);
    const links = span.links;
    let linksTraceId = NO_STRINGS;
    let linksSpanId = NO_STRINGS;
    if (links.length > 0) {
      linksTraceId = new Array(links.length);
      linksSpanId = new Array(links.length);
      for (let i = 0; i < links.length; i++) {
        linksTraceId[i] = links[i].traceId;
        linksSpanId[i] = links[i].spanId;
      }
    }
    c.links_trace_id.push(linksTraceId);
    c.links_span_id.push(linksSpanId);
    c.retention_days.push(this.ctx.retentionDays);
  }

  /** Adds decodeTraces' spans. */
  addDecoded(decoded: DecodedTraces): this {
    for (const rs of decoded.resourceSpans) {
      this.resource(rs.resource.attributes);
      for (const ss of rs.scopeSpans) {
        this.scope(ss.scope.name, ss.scope.version);
        for (const span of ss.spans) {
          const attributes = span.attributes;
          for (const key in attributes) this.attribute(key, attributes[key]);
          this.span(span);
        }
      }
    }
    return this;
  }

  /** Rows [from, to) as one Native block. */
  native(from = 0, to = this.length): Buffer {
    this.link();
    const c = this.c as unknown as Record<string, unknown[] | MapColumnValues>;
    if (from === 0 && to === this.length) return encodeNativeColumns('spans', c, to);
    const part: Record<string, unknown[] | MapColumnValues> = {};
    for (const name in c) part[name] = c[name].slice(from, to);
    return encodeNativeColumns('spans', part, to - from);
  }

  rows(): SpanRow[] {
    this.link();
    const c = this.c;
    const rows: SpanRow[] = new Array(this.length);
    for (let i = 0; i < rows.length; i++) {
      rows[i] = {
        tenant_id: c.tenant_id[i],
        ts: nanosToDateTime64(c.ts[i]),
        duration_ns: c.duration_ns[i].toString(),
        trace_id: c.trace_id[i],
        span_id: c.span_id[i],
        parent_span_id: c.parent_span_id[i],
        trace_state: c.trace_state[i],
        service: c.service[i],
        span_name: c.span_name[i],
        endpoint: c.endpoint[i],
        kind: c.kind[i],
        is_entry: c.is_entry[i],
        txn_service: c.txn_service[i],
        txn_endpoint: c.txn_endpoint[i],
        status_code: c.status_code[i],
        status_message: c.status_message[i],
        is_error: c.is_error[i],
        http_method: c.http_method[i],
        http_status: c.http_status[i],
        http_route: c.http_route[i],
        url_path: c.url_path[i],
        db_system: c.db_system[i],
        db_name: c.db_name[i],
        db_instance: c.db_instance[i],
        db_operation: c.db_operation[i],
        db_statement: c.db_statement[i],
        db_fingerprint: c.db_fingerprint[i],
        peer_service: c.peer_service[i],
        host_name: c.host_name[i],
        scope_name: c.scope_name[i],
        scope_version: c.scope_version[i],
        resource_attributes: mapOfRow(c.resource_attributes, i),
        attributes: mapOfRow(c.attributes, i),
        events_ts: c.events_ts[i],
        events_name: c.events_name[i],
        events_attributes: c.events_attributes[i],
        links_trace_id: c.links_trace_id[i],
        links_span_id: c.links_span_id[i],
        retention_days: c.retention_days[i],
      };
    }
    return rows;
  }

  /** Fills txn_service / txn_endpoint, once all spans are in. */
  private link(): void {
    if (this.linked) return;
    this.linked = true;
    const c = this.c;
    const entryOf = transactionEntries(c.trace_id, c.span_id, c.parent_span_id, c.service, c.is_entry);
    for (let i = 0; i < entryOf.length; i++) {
      const entry = entryOf[i];
      if (entry === NO_ENTRY) continue;
      c.txn_service[i] = c.service[entry];
      c.txn_endpoint[i] = c.endpoint[entry];
    }
  }
}

/** Row i of a map column as an object. */
function mapOfRow(m: MapColumnValues, i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let k = i > 0 ? m.ends[i - 1] : 0; k < m.ends[i]; k++) setText(out, m.keys[k], m.values[k]);
  return out;
}

/**
 * The span attributes a row reads by name (semantic conventions), picked up in the same pass that
 * flattens all of them into the attributes column: one pass instead of about twenty lookups by
 * name per span. Absent → undefined; the row reads `stable ?? old` (a null value counts as
 * absent), as attrText does. reset() between spans.
 */
class SpanConventions {
  httpRequestMethod: AnyValue | undefined;
  httpMethod: AnyValue | undefined;
  httpResponseStatusCode: AnyValue | undefined;
  httpStatusCode: AnyValue | undefined;
  httpRoute: AnyValue | undefined;
  dbSystemName: AnyValue | undefined;
  dbSystem: AnyValue | undefined;
  dbQueryText: AnyValue | undefined;
  dbStatement: AnyValue | undefined;
  dbNamespace: AnyValue | undefined;
  dbName: AnyValue | undefined;
  dbOperationName: AnyValue | undefined;
  dbOperation: AnyValue | undefined;
  peerService: AnyValue | undefined;
  urlPath: AnyValue | undefined;
  httpTarget: AnyValue | undefined;
  urlFull: AnyValue | undefined;
  httpUrl: AnyValue | undefined;
  serverAddress: AnyValue | undefined;
  serverPort: AnyValue | undefined;
  netPeerName: AnyValue | undefined;
  netPeerPort: AnyValue | undefined;
  dbConnectionString: AnyValue | undefined;

  reset(): void {
    this.httpRequestMethod = this.httpMethod = this.httpResponseStatusCode = this.httpStatusCode = this.httpRoute = undefined;
    this.dbSystemName = this.dbSystem = this.dbQueryText = this.dbStatement = this.dbNamespace = this.dbName = undefined;
    this.dbOperationName = this.dbOperation = this.peerService = this.urlPath = this.httpTarget = this.urlFull = this.httpUrl = undefined;
    this.serverAddress = this.serverPort = this.netPeerName = this.netPeerPort = this.dbConnectionString = undefined;
  }

  /** Notes `v` if `key` is one of the names read. */
  take(key: string, v: AnyValue): void {
    switch (key) {
      case 'http.request.method':
        this.httpRequestMethod = v;
        break;
      case 'http.method':
        this.httpMethod = v;
        break;
      case 'http.response.status_code':
        this.httpResponseStatusCode = v;
        break;
      case 'http.status_code':
        this.httpStatusCode = v;
        break;
      case 'http.route':
        this.httpRoute = v;
        break;
      case 'db.system.name':
        this.dbSystemName = v;
        break;
      case 'db.system':
        this.dbSystem = v;
        break;
      case 'db.query.text':
        this.dbQueryText = v;
        break;
      case 'db.statement':
        this.dbStatement = v;
        break;
      case 'db.namespace':
        this.dbNamespace = v;
        break;
      case 'db.name':
        this.dbName = v;
        break;
      case 'db.operation.name':
        this.dbOperationName = v;
        break;
      case 'db.operation':
        this.dbOperation = v;
        break;
      case 'peer.service':
        this.peerService = v;
        break;
      case 'url.path':
        this.urlPath = v;
        break;
      case 'http.target':
        this.httpTarget = v;
        break;
      case 'url.full':
        this.urlFull = v;
        break;
      case 'http.url':
        this.httpUrl = v;
        break;
      case 'server.address':
        this.serverAddress = v;
        break;
      case 'server.port':
        this.serverPort = v;
        break;
      case 'net.peer.name':
        this.netPeerName = v;
        break;
      case 'net.peer.port':
        this.netPeerPort = v;
        break;
      case 'db.connection_string':
        this.dbConnectionString = v;
        break;
    }
  }
}

/**
 * Each row's entry span (its row index), or NO_ENTRY (see SpanColumns). Linear: each span's
 * answer is remembered. Spans are found by span id alone (no trace id + span id key to build per
 * span); the rare span id that two rows share goes to a second map keyed by both.
 */
function transactionEntries(
  traceId: readonly string[],
  spanId: readonly string[],
  parentSpanId: readonly string[],
  service: readonly string[],
  isEntry: readonly number[],
): Int32Array {
  const n = spanId.length;
  const bySpanId = new Map<string, number>(); // row index; SHARED: several rows have that span id
  let byTraceAndSpanId: Map<string, number> | undefined;
  for (let i = 0; i < n; i++) {
    const known = bySpanId.get(spanId[i]);
    if (known === undefined) {
      bySpanId.set(spanId[i], i);
      continue;
    }
    byTraceAndSpanId ??= new Map();
    if (known !== SHARED) {
      byTraceAndSpanId.set(traceId[known] + spanId[i], known);
      bySpanId.set(spanId[i], SHARED);
    }
    byTraceAndSpanId.set(traceId[i] + spanId[i], i); // a duplicate row: the later one wins
  }
  const parentOf = (row: number): number | undefined => {
    const at = bySpanId.get(parentSpanId[row]);
    if (at === SHARED) return byTraceAndSpanId?.get(traceId[row] + parentSpanId[row]);
    return at !== undefined && traceId[at] === traceId[row] ? at : undefined;
  };

  const entryOf = new Int32Array(n).fill(UNKNOWN); // row index of the entry span, NO_ENTRY, or UNKNOWN
  const result = new Int32Array(n);
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    let entry = NO_ENTRY;
    let cur = i;
    path.length = 0;
    for (;;) {
      if (isEntry[cur] === 1) {
        entry = cur;
        break;
      }
      if (entryOf[cur] !== UNKNOWN) {
        entry = entryOf[cur];
        break;
      }
      path.push(cur);
      const parent = parentOf(cur);
      // Parent not in this batch, another service (its transaction is not ours), or a parent cycle.
      if (parent === undefined || service[parent] !== service[cur] || path.length > n) break;
      cur = parent;
    }
    for (const p of path) entryOf[p] = entry;
    result[i] = entry;
  }
  return result;
}
const SHARED = -1;
const UNKNOWN = -2;
const NO_ENTRY = -1;

/** url.path; else the path part of the old http.target; else of url.full / the old http.url. */
function urlPath(a: SpanConventions): string {
  const path = anyValueText(a.urlPath);
  if (path !== '') return path;
  const target = anyValueText(a.httpTarget);
  if (target !== '') return stripQuery(target);
  const full = anyValueText(a.urlFull ?? a.httpUrl);
  if (full === '') return '';
  const scheme = full.indexOf('://');
  if (scheme < 0) return stripQuery(full);
  const slash = full.indexOf('/', scheme + 3);
  return slash < 0 ? '/' : stripQuery(full.slice(slash));
}

function stripQuery(s: string): string {
  let end = s.length;
  const q = s.indexOf('?');
  if (q >= 0) end = q;
  const h = s.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return end === s.length ? s : s.slice(0, end);
}

/** host[:port] of the database: server.address/port, else the old net.peer.name/port, else the host in db.connection_string. */
function dbInstance(a: SpanConventions): string {
  let host = anyValueText(a.serverAddress);
  let port = anyValueText(a.serverPort);
  if (host === '') {
    host = anyValueText(a.netPeerName);
    port = anyValueText(a.netPeerPort);
  }
  if (host === '') return hostOfConnectionString(anyValueText(a.dbConnectionString));
  return port !== '' && port !== '0' ? `${host}:${port}` : host;
}

const KEY_VALUE_HOST = /(?:^|;|\s)\s*(?:server|host|hostname|data source|address|addr)\s*=\s*([^;\s]+)/i;
const KEY_VALUE_PORT = /(?:^|;|\s)\s*port\s*=\s*(\d+)/i;

/**
 * The host[:port] in a connection string: URL forms ("postgresql://u:p@h:5432/db",
 * "jdbc:mysql://h:3306/db") and key=value forms ("Server=h,1433;Database=…", "host=h port=5432").
 * Credentials are never returned.
 */
export function hostOfConnectionString(cs: string): string {
  if (cs === '') return '';
  const scheme = cs.indexOf('://');
  if (scheme >= 0) {
    let authority = cs.slice(scheme + 3);
    const end = authority.search(/[/?;#]/);
    if (end >= 0) authority = authority.slice(0, end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.slice(at + 1);
    return authority;
  }
  const host = KEY_VALUE_HOST.exec(cs);
  if (!host) return '';
  let value = host[1].replace(/^tcp:/i, '');
  const comma = value.indexOf(','); // SQL Server: "host,port"
  if (comma >= 0) value = `${value.slice(0, comma)}:${value.slice(comma + 1)}`;
  const port = KEY_VALUE_PORT.exec(cs);
  return port && !value.includes(':') ? `${value}:${port[1]}` : value;
}

/** At most `maxBytes` of UTF-8, cut on a character boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s; // cannot be longer in UTF-8
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // do not split a multi-byte character
  return bytes.toString('utf8', 0, end);
}
