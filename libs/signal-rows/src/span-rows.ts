import { nanosToDateTime64, type SpanKindName, type SpanRow, type StatusCodeName } from '@meridian/domain';
import { type Attributes, type DecodedTraces, type Span, SpanKind, StatusCode } from '@meridian/otlp';
import { dialectForDbSystem, fingerprintSql } from '@meridian/sql-fingerprint';
import { type RowContext, storableContext } from './row-context';
import { attrText, attrUint, flattenAttributes, resourceColumns, UINT16_MAX } from './values';

const KIND_NAMES: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

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
  const a = span.attributes;
  const kind = span.kind;
  const httpMethod = attrText(a, 'http.request.method', 'http.method');
  const httpStatus = attrUint(a, UINT16_MAX, 'http.response.status_code', 'http.status_code');
  const httpRoute = attrText(a, 'http.route');
  const dbSystem = attrText(a, 'db.system.name', 'db.system');
  const statement = attrText(a, 'db.query.text', 'db.statement');
  const isDb = dbSystem !== '' || statement !== '';
  const isEntry = span.parentSpanId === '' || kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;
  const isError = span.status.code === StatusCode.ERROR || (kind === SpanKind.SERVER && httpStatus >= 500);

  const events = span.events;
  const eventsTs: string[] = new Array(events.length);
  const eventsName: string[] = new Array(events.length);
  const eventsAttributes: Record<string, string>[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    eventsTs[i] = nanosToDateTime64(events[i].timeUnixNano);
    eventsName[i] = events[i].name;
    eventsAttributes[i] = flattenAttributes(events[i].attributes);
  }
  const links = span.links;
  const linksTraceId: string[] = new Array(links.length);
  const linksSpanId: string[] = new Array(links.length);
  for (let i = 0; i < links.length; i++) {
    linksTraceId[i] = links[i].traceId;
    linksSpanId[i] = links[i].spanId;
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
    db_name: attrText(a, 'db.namespace', 'db.name'),
    db_instance: isDb ? dbInstance(a) : '',
    db_operation: attrText(a, 'db.operation.name', 'db.operation'),
    db_statement: truncateUtf8(statement, MAX_DB_STATEMENT_BYTES),
    db_fingerprint: statement !== '' ? fingerprintSql(statement, dialectForDbSystem(dbSystem)) : '',
    peer_service: attrText(a, 'peer.service'),
    host_name: hostName,
    scope_name: scopeName,
    scope_version: scopeVersion,
    resource_attributes: resourceAttributes,
    attributes: flattenAttributes(a),
    events_ts: eventsTs,
    events_name: eventsName,
    events_attributes: eventsAttributes,
    links_trace_id: linksTraceId,
    links_span_id: linksSpanId,
    retention_days: ctx.retentionDays,
  };
}

/** Fills txn_service / txn_endpoint (see buildSpanRows). Linear: each span's answer is remembered. */
function linkTransactions(rows: SpanRow[]): void {
  const byId = new Map<string, SpanRow>();
  for (const row of rows) byId.set(row.trace_id + row.span_id, row);
  const entryOf = new Map<SpanRow, SpanRow | null>();
  const path: SpanRow[] = [];
  for (const row of rows) {
    let entry: SpanRow | null = null;
    let cur = row;
    path.length = 0;
    for (;;) {
      if (cur.is_entry === 1) {
        entry = cur;
        break;
      }
      const known = entryOf.get(cur);
      if (known !== undefined) {
        entry = known;
        break;
      }
      path.push(cur);
      const parent = byId.get(cur.trace_id + cur.parent_span_id);
      // Parent not in this batch, another service (its transaction is not ours), or a parent cycle.
      if (parent === undefined || parent.service !== cur.service || path.length > rows.length) break;
      cur = parent;
    }
    for (const p of path) entryOf.set(p, entry);
    if (entry !== null) {
      row.txn_service = entry.service;
      row.txn_endpoint = entry.endpoint;
    }
  }
}

/** url.path; else the path part of the old http.target; else of url.full / the old http.url. */
function urlPath(a: Attributes): string {
  const path = attrText(a, 'url.path');
  if (path !== '') return path;
  const target = attrText(a, 'http.target');
  if (target !== '') return stripQuery(target);
  const full = attrText(a, 'url.full', 'http.url');
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
function dbInstance(a: Attributes): string {
  let host = attrText(a, 'server.address');
  let port = attrText(a, 'server.port');
  if (host === '') {
    host = attrText(a, 'net.peer.name');
    port = attrText(a, 'net.peer.port');
  }
  if (host === '') return hostOfConnectionString(attrText(a, 'db.connection_string'));
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
