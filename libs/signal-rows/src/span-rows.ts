import { nanosToDateTime64, type SpanKindName, type SpanRow, type StatusCodeName } from '@meridian/domain';
import { type AnyValue, type Attributes, type DecodedTraces, type Span, SpanKind, StatusCode } from '@meridian/otlp';
import { dialectForDbSystem, fingerprintSql } from '@meridian/sql-fingerprint';
import { type RowContext, storableContext } from './row-context';
import { anyValueText, flattenAttributes, resourceColumns, setText, textOf, UINT16_MAX, uintValue } from './values';

const KIND_NAMES: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_MAPS = Object.freeze([]) as unknown as Record<string, string>[];

/** db_statement keeps at most this many UTF-8 bytes (the fingerprint is taken from the whole statement). */
export const MAX_DB_STATEMENT_BYTES = 8 * 1024;

/**
 * One row per span. Semantic conventions are read under their stable names first, then the
 * old ones (http.request.method/http.method, db.query.text/db.statement, …).
 *
 * txn_service / txn_endpoint name the transaction a span belongs to: its entry span (a root,
 * SERVER or CONSUMER span) in the same service, found by walking parent links. Limitation:
 * only spans of THIS batch are seen, so when the entry span was exported in another request
 * (SDK batches are cut by size and time; long transactions end after their children are
 * exported) the walk stops and both columns are ''. Entry spans point to themselves.
 */
export function buildSpanRows(decoded: DecodedTraces, context: RowContext): SpanRow[] {
  const ctx = storableContext(context);
  const rows: SpanRow[] = [];
  for (const rs of decoded.resourceSpans) {
    const { service, hostName, resourceAttributes } = resourceColumns(rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      const { name: scopeName, version: scopeVersion } = ss.scope;
      for (const span of ss.spans) rows.push(spanRow(span, ctx, service, hostName, resourceAttributes, scopeName, scopeVersion));
    }
  }
  linkTransactions(rows);
  return rows;
}

function spanRow(
  span: Span,
  ctx: RowContext,
  service: string,
  hostName: string,
  resourceAttributes: Record<string, string>,
  scopeName: string,
  scopeVersion: string,
): SpanRow {
  const a = conventions.read(span.attributes);
  const kind = span.kind;
  const httpMethod = anyValueText(a.httpRequestMethod ?? a.httpMethod);
  const httpStatus = uintValue(a.httpResponseStatusCode ?? a.httpStatusCode, UINT16_MAX);
  const httpRoute = anyValueText(a.httpRoute);
  const dbSystem = anyValueText(a.dbSystemName ?? a.dbSystem);
  const statement = anyValueText(a.dbQueryText ?? a.dbStatement);
  const isDb = dbSystem !== '' || statement !== '';
  const isEntry = span.parentSpanId === '' || kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;
  const isError = span.status.code === StatusCode.ERROR || (kind === SpanKind.SERVER && httpStatus >= 500);

  // Most spans have no events and no links: they share frozen empty arrays (five fewer objects
  // per row for the garbage collector; nothing downstream writes to a row).
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

  return {
    tenant_id: ctx.tenantId,
    ts: nanosToDateTime64(span.startTimeUnixNano),
    duration_ns: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    trace_state: span.traceState,
    service,
    span_name: span.name,
    endpoint: kind === SpanKind.SERVER && httpRoute !== '' ? (httpMethod !== '' ? `${httpMethod} ${httpRoute}` : httpRoute) : span.name,
    kind: KIND_NAMES[kind] ?? 'UNSPECIFIED',
    is_entry: isEntry ? 1 : 0,
    txn_service: '',
    txn_endpoint: '',
    status_code: STATUS_NAMES[span.status.code] ?? 'UNSET',
    status_message: span.status.message,
    is_error: isError ? 1 : 0,
    http_method: httpMethod,
    http_status: httpStatus,
    http_route: httpRoute,
    url_path: urlPath(a),
    db_system: dbSystem,
    db_name: anyValueText(a.dbNamespace ?? a.dbName),
    db_instance: isDb ? dbInstance(a) : '',
    db_operation: anyValueText(a.dbOperationName ?? a.dbOperation),
    db_statement: truncateUtf8(statement, MAX_DB_STATEMENT_BYTES),
    db_fingerprint: statement !== '' ? fingerprintSql(statement, dialectForDbSystem(dbSystem)) : '',
    peer_service: anyValueText(a.peerService),
    host_name: hostName,
    scope_name: scopeName,
    scope_version: scopeVersion,
    resource_attributes: resourceAttributes,
    attributes: a.flat,
    events_ts: eventsTs,
    events_name: eventsName,
    events_attributes: eventsAttributes,
    links_trace_id: linksTraceId,
    links_span_id: linksSpanId,
    retention_days: ctx.retentionDays,
  };
}

/**
 * The span attributes a row reads by name (semantic conventions), picked up in the same pass that
 * flattens all of them into the attributes column: one pass instead of about twenty lookups by
 * name per span. Absent → undefined; the row reads `stable ?? old` (a null value counts as
 * absent), as attrText does. One instance is reused: buildSpanRows is synchronous.
 */
class SpanConventions {
  flat: Record<string, string> = {};
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

  read(attributes: Attributes): this {
    this.httpRequestMethod = this.httpMethod = this.httpResponseStatusCode = this.httpStatusCode = this.httpRoute = undefined;
    this.dbSystemName = this.dbSystem = this.dbQueryText = this.dbStatement = this.dbNamespace = this.dbName = undefined;
    this.dbOperationName = this.dbOperation = this.peerService = this.urlPath = this.httpTarget = this.urlFull = this.httpUrl = undefined;
    this.serverAddress = this.serverPort = this.netPeerName = this.netPeerPort = this.dbConnectionString = undefined;
    const flat: Record<string, string> = {};
    for (const key in attributes) {
      const v = attributes[key];
      setText(flat, key, textOf(v));
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
    this.flat = flat;
    return this;
  }
}
const conventions = new SpanConventions();

/**
 * Fills txn_service / txn_endpoint (see buildSpanRows). Linear: each span's answer is remembered.
 * Spans are found by span id alone (no trace id + span id key to build per span); the rare span
 * id that two rows share goes to a second map keyed by both.
 */
function linkTransactions(rows: SpanRow[]): void {
  const bySpanId = new Map<string, number>(); // row index; SHARED: several rows have that span id
  let byTraceAndSpanId: Map<string, number> | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const known = bySpanId.get(row.span_id);
    if (known === undefined) {
      bySpanId.set(row.span_id, i);
      continue;
    }
    byTraceAndSpanId ??= new Map();
    if (known !== SHARED) {
      byTraceAndSpanId.set(rows[known].trace_id + row.span_id, known);
      bySpanId.set(row.span_id, SHARED);
    }
    byTraceAndSpanId.set(row.trace_id + row.span_id, i); // a duplicate row: the later one wins
  }
  const parentOf = (row: SpanRow): number | undefined => {
    const at = bySpanId.get(row.parent_span_id);
    if (at === SHARED) return byTraceAndSpanId?.get(row.trace_id + row.parent_span_id);
    return at !== undefined && rows[at].trace_id === row.trace_id ? at : undefined;
  };

  const entryOf = new Int32Array(rows.length).fill(UNKNOWN); // row index of the entry span, NO_ENTRY, or UNKNOWN
  const path: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    let entry = NO_ENTRY;
    let cur = i;
    path.length = 0;
    for (;;) {
      if (rows[cur].is_entry === 1) {
        entry = cur;
        break;
      }
      if (entryOf[cur] !== UNKNOWN) {
        entry = entryOf[cur];
        break;
      }
      path.push(cur);
      const parent = parentOf(rows[cur]);
      // Parent not in this batch, another service (its transaction is not ours), or a parent cycle.
      if (parent === undefined || rows[parent].service !== rows[cur].service || path.length > rows.length) break;
      cur = parent;
    }
    for (const p of path) entryOf[p] = entry;
    if (entry !== NO_ENTRY) {
      rows[i].txn_service = rows[entry].service;
      rows[i].txn_endpoint = rows[entry].endpoint;
    }
  }
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
