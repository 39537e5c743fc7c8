import { context, SpanKind as ApiSpanKind, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanRow } from '@meridian/domain';
import { decodeTraces } from '@meridian/otlp';
import { dialectForDbSystem, fingerprintSql } from '@meridian/sql-fingerprint';
import { buildSpanRows } from './index';
import { hostOfConnectionString, truncateUtf8 } from './span-rows';

const CTX = { tenantId: 't_acme', retentionDays: 14 };
const TRACE = '5b8efff798038103d269b633813fc60c';

type Attr = string | number | boolean;
function kv(attrs: Record<string, Attr>) {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
}
interface TestSpan {
  id: string; // 16 hex
  parent?: string;
  name?: string;
  kind?: number; // OTLP numbers
  attrs?: Record<string, Attr>;
  status?: number;
  trace?: string;
}
/** OTLP/JSON for spans grouped by service, decoded as intake would. */
function decode(services: Record<string, TestSpan[]>, resourceAttrs: Record<string, Attr> = {}) {
  const body = {
    resourceSpans: Object.entries(services).map(([service, spans]) => ({
      resource: { attributes: kv(service === '' ? resourceAttrs : { 'service.name': service, ...resourceAttrs }) },
      scopeSpans: [
        {
          scope: { name: 'test-scope', version: '0.1' },
          spans: spans.map((s) => ({
            traceId: s.trace ?? TRACE,
            spanId: s.id,
            parentSpanId: s.parent ?? '',
            name: s.name ?? 'span',
            kind: s.kind ?? 1,
            startTimeUnixNano: '1700000000123456789',
            endTimeUnixNano: '1700000000125456790',
            attributes: kv(s.attrs ?? {}),
            status: { code: s.status ?? 0 },
          })),
        },
      ],
    })),
  };
  const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json');
  expect(decoded.rejected).toBe(0);
  return decoded;
}

/** The row of one span written as raw OTLP/JSON, for attribute values `kv` cannot express. */
function rowOfRawSpan(span: Record<string, unknown>): SpanRow {
  const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: 'aaaaaaaaaaaaaaaa', ...span }] }] }] };
  const [row] = buildSpanRows(decodeTraces(Buffer.from(JSON.stringify(body)), 'json'), CTX);
  return row;
}

const rowsOf = (services: Record<string, TestSpan[]>, resourceAttrs?: Record<string, Attr>) => buildSpanRows(decode(services, resourceAttrs), CTX);
const one = (attrs: Record<string, Attr>, kind = 3): SpanRow => rowsOf({ svc: [{ id: 'aaaaaaaaaaaaaaaa', kind, attrs }] })[0];

/** The promoted columns, i.e. everything except the raw attribute map. */
function promoted(row: SpanRow) {
  const { attributes: _attributes, ...rest } = row;
  return rest;
}

describe('buildSpanRows semantic conventions', () => {
  it('gives the same columns for old and stable HTTP names (SERVER span)', () => {
    const stable = one({ 'http.request.method': 'GET', 'http.response.status_code': 404, 'http.route': '/users/:id', 'url.path': '/users/7' }, 2);
    const old = one({ 'http.method': 'GET', 'http.status_code': 404, 'http.route': '/users/:id', 'http.target': '/users/7?expand=1' }, 2);
    expect(promoted(old)).toEqual(promoted(stable));
    expect(stable).toMatchObject({ http_method: 'GET', http_status: 404, http_route: '/users/:id', url_path: '/users/7', endpoint: 'GET /users/:id' });
    expect(one({ 'http.url': 'https://shop.example:8443/a/b?q=1#f' }).url_path).toBe('/a/b');
    expect(one({ 'url.full': 'https://shop.example' }).url_path).toBe('/');
    expect(one({ 'http.status_code': '502' }).http_status).toBe(502);
  });

  it('gives the same columns for old and stable database names', () => {
    const sql = "SELECT * FROM orders WHERE id = 42 AND state IN ('a', 'b', 'c')";
    const stable = one({
      'db.system.name': 'postgresql',
      'db.query.text': sql,
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'server.address': 'pg-1.internal',
      'server.port': 5432,
      'peer.service': 'orders-db',
    });
    const old = one({
      'db.system': 'postgresql',
      'db.statement': sql,
      'db.name': 'shop',
      'db.operation': 'SELECT',
      'db.collection.name': 'orders',
      'net.peer.name': 'pg-1.internal',
      'net.peer.port': 5432,
      'peer.service': 'orders-db',
    });
    expect(promoted(old)).toEqual(promoted(stable));
    expect(stable).toMatchObject({
      db_system: 'postgresql',
      db_name: 'shop',
      db_operation: 'SELECT',
      db_instance: 'pg-1.internal:5432',
      db_statement: sql,
      db_fingerprint: fingerprintSql(sql, dialectForDbSystem('postgresql')),
      peer_service: 'orders-db',
      endpoint: 'span', // not a SERVER span: the span name
    });
    expect(stable.db_fingerprint).not.toContain('42');
    expect(stable.attributes['db.collection.name']).toBe('orders');
  });

  it('prefers the stable name when both are present, and fills db_instance only for database spans', () => {
    expect(one({ 'http.request.method': 'POST', 'http.method': 'GET' }).http_method).toBe('POST');
    expect(one({ 'db.system.name': 'mysql', 'db.system': 'mariadb' }).db_system).toBe('mysql');
    expect(one({ 'server.address': 'api.example', 'server.port': 443 }).db_instance).toBe('');
    expect(one({ 'db.system': 'redis', 'server.address': 'cache-1' }).db_instance).toBe('cache-1');
    expect(one({ 'db.system': 'mssql', 'db.connection_string': 'Server=sql-9,1433;Database=x;User Id=sa;Password=secret' }).db_instance).toBe('sql-9:1433');
  });

  it('finds the host in connection strings without leaking credentials', () => {
    expect(hostOfConnectionString('postgresql://app:secret@pg-1:5432/shop?sslmode=require')).toBe('pg-1:5432');
    expect(hostOfConnectionString('jdbc:mysql://mysql-2:3306/shop')).toBe('mysql-2:3306');
    expect(hostOfConnectionString('host=pg-3 port=5433 dbname=x password=p')).toBe('pg-3:5433');
    expect(hostOfConnectionString('Data Source=tcp:sql-1,1433;Initial Catalog=x')).toBe('sql-1:1433');
    expect(hostOfConnectionString('nothing useful')).toBe('');
  });

  it('truncates db_statement to 8 KiB on a character boundary but fingerprints the whole statement', () => {
    const sql = `SELECT '${'가'.repeat(4000)}' FROM t WHERE id = 1`;
    const row = one({ 'db.system': 'mysql', 'db.statement': sql });
    expect(Buffer.byteLength(row.db_statement)).toBeLessThanOrEqual(8192);
    expect(row.db_statement.endsWith('가')).toBe(true);
    expect(sql.startsWith(row.db_statement)).toBe(true);
    expect(row.db_fingerprint).toBe(fingerprintSql(sql, 'mysql'));
    expect(truncateUtf8('abc', 2)).toBe('ab');
  });

  it('takes service and host from the resource; unknown_service when there is none', () => {
    expect(rowsOf({ checkout: [{ id: 'aaaaaaaaaaaaaaaa' }] }, { 'host.name': 'web-01' })[0]).toMatchObject({
      service: 'checkout',
      host_name: 'web-01',
      resource_attributes: { 'service.name': 'checkout', 'host.name': 'web-01' },
      scope_name: 'test-scope',
      scope_version: '0.1',
    });
    expect(rowsOf({ '': [{ id: 'aaaaaaaaaaaaaaaa' }] })[0].service).toBe('unknown_service');
  });

  it('flattens attributes to strings: non-strings as JSON, int64 as exact decimals', () => {
    const row = rowOfRawSpan({
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      attributes: [
        { key: 's', value: { stringValue: 'x"y' } },
        { key: 'i', value: { intValue: '9223372036854775807' } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'b', value: { boolValue: true } },
        { key: 'a', value: { arrayValue: { values: [{ intValue: '9007199254740993' }, { stringValue: 'q' }, {}] } } },
        { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
        { key: 'y', value: { bytesValue: 'AAH+/w==' } },
        { key: 'e', value: {} },
      ],
    });
    expect(row.attributes).toEqual({
      s: 'x"y',
      i: '9223372036854775807',
      d: '1.5',
      b: 'true',
      a: '[9007199254740993,"q",null]',
      m: '{"k":false}',
      y: '"AAH+/w=="',
      e: '',
    });
  });
});

describe('buildSpanRows derived columns', () => {
  // checkout: SERVER root → INTERNAL → CLIENT (db) ; payments: SERVER (child of checkout's CLIENT) → INTERNAL
  // plus: an orphan whose parent is not in the batch, a CONSUMER with a parent, a second trace.
  const rows = rowsOf({
    checkout: [
      {
        id: '0000000000000001',
        name: 'GET /orders/:id',
        kind: 2,
        attrs: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200 },
      },
      { id: '0000000000000002', parent: '0000000000000001', name: 'load order', kind: 1 },
      { id: '0000000000000003', parent: '0000000000000002', name: 'SELECT orders', kind: 3, attrs: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1' } },
      { id: '0000000000000009', parent: '00000000000000ff', name: 'orphan', kind: 1 },
    ],
    payments: [
      { id: '0000000000000004', parent: '0000000000000003', name: 'POST /charge', kind: 2, attrs: { 'http.method': 'POST', 'http.route': '/charge' } },
      { id: '0000000000000005', parent: '0000000000000004', name: 'sign', kind: 1 },
      { id: '0000000000000006', parent: '0000000000000005', name: 'process charge.created', kind: 5 },
      { id: '0000000000000007', parent: '0000000000000006', name: 'store', kind: 1 },
    ],
    billing: [{ id: '0000000000000001', name: 'cron tick', kind: 1, trace: '0af7651916cd43dd8448eb211c80319c' }],
  });
  const row = (name: string) => rows.find((r) => r.span_name === name)!;

  it('derives endpoint: "<METHOD> <route>" for SERVER spans with a route, else the span name', () => {
    expect(row('GET /orders/:id').endpoint).toBe('GET /orders/:id');
    expect(row('POST /charge').endpoint).toBe('POST /charge');
    expect(row('SELECT orders').endpoint).toBe('SELECT orders');
    expect(one({ 'http.route': '/x' }, 2).endpoint).toBe('/x'); // no method
    expect(rowsOf({ s: [{ id: 'aaaaaaaaaaaaaaaa', name: 'GET', kind: 2 }] })[0].endpoint).toBe('GET'); // no route
  });

  it('marks roots, SERVER and CONSUMER spans as entries', () => {
    expect(rows.filter((r) => r.is_entry === 1).map((r) => r.span_name)).toEqual(['GET /orders/:id', 'POST /charge', 'process charge.created', 'cron tick']);
  });

  it('finds the transaction of each span through its parents in the same service, within the batch', () => {
    const txn = Object.fromEntries(rows.map((r) => [r.span_name, `${r.txn_service}|${r.txn_endpoint}`]));
    expect(txn).toEqual({
      'GET /orders/:id': 'checkout|GET /orders/:id',
      'load order': 'checkout|GET /orders/:id',
      'SELECT orders': 'checkout|GET /orders/:id',
      orphan: '|', // its parent was not in this batch
      'POST /charge': 'payments|POST /charge',
      sign: 'payments|POST /charge',
      'process charge.created': 'payments|process charge.created',
      store: 'payments|process charge.created',
      'cron tick': 'billing|cron tick', // same span id as the checkout root, other trace: not confused
    });
  });

  it('does not loop on a parent cycle', () => {
    const cyclic = rowsOf({
      s: [
        { id: '0000000000000001', parent: '0000000000000002' },
        { id: '0000000000000002', parent: '0000000000000001' },
      ],
    });
    expect(cyclic.map((r) => r.txn_service)).toEqual(['', '']);
  });

  it('sets is_error for ERROR status, and for SERVER spans answering >= 500 only', () => {
    expect(rowsOf({ s: [{ id: 'aaaaaaaaaaaaaaaa', status: 2 }] })[0]).toMatchObject({ is_error: 1, status_code: 'ERROR' });
    expect(one({ 'http.response.status_code': 503 }, 2).is_error).toBe(1);
    expect(one({ 'http.status_code': 500 }, 2).is_error).toBe(1);
    expect(one({ 'http.response.status_code': 404 }, 2).is_error).toBe(0);
    expect(one({ 'http.response.status_code': 503 }, 3).is_error).toBe(0); // a CLIENT's 503 is the callee's error
    expect(rowsOf({ s: [{ id: 'aaaaaaaaaaaaaaaa', status: 1 }] })[0]).toMatchObject({ is_error: 0, status_code: 'OK' });
  });

  it('writes http_status only when it fits UInt16 as an integer (-1, 1e300, "1e300", 70000, 200.5 → 0), without marking an error', () => {
    const statusOf = (value: Record<string, unknown>) => {
      const row = rowOfRawSpan({
        kind: 2,
        startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000000000000001',
        attributes: [{ key: 'http.response.status_code', value }],
      });
      return [row.http_status, row.is_error];
    };
    expect(statusOf({ intValue: '-1' })).toEqual([0, 0]);
    expect(statusOf({ doubleValue: 1e300 })).toEqual([0, 0]);
    expect(statusOf({ stringValue: '1e300' })).toEqual([0, 0]);
    expect(statusOf({ intValue: '70000' })).toEqual([0, 0]);
    expect(statusOf({ intValue: '9223372036854775807' })).toEqual([0, 0]);
    expect(statusOf({ doubleValue: 200.5 })).toEqual([0, 0]);
    expect(statusOf({ stringValue: '-1' })).toEqual([0, 0]);
    expect(statusOf({ stringValue: '503' })).toEqual([503, 1]);
    expect(statusOf({ doubleValue: 502 })).toEqual([502, 1]);
    expect(statusOf({ intValue: '65535' })).toEqual([65535, 1]);
  });
});

describe('buildSpanRows with an SDK payload', () => {
  it('writes exact DateTime64(9) times, durations, kinds, events and links', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'api' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('sdk-test');
    const link = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const root = tracer.startSpan('GET /health', { kind: ApiSpanKind.SERVER, startTime: [1700000000, 123456789], links: [{ context: link }] });
    root.addEvent('ready', { n: 1 }, [1700000000, 500000001]);
    const child = tracer.startSpan('check db', { kind: ApiSpanKind.CLIENT, startTime: [1700000000, 200000000] }, trace.setSpan(context.active(), root));
    child.end([1700000000, 300000000]);
    root.end([1700000001, 5]);
    const spans = exporter.getFinishedSpans();
    const rows = buildSpanRows(decodeTraces(ProtobufTraceSerializer.serializeRequest(spans)!, 'protobuf'), CTX);
    const r = rows.find((x) => x.span_name === 'GET /health')!;
    expect(r).toMatchObject({
      tenant_id: 't_acme',
      retention_days: 14,
      ts: '1700000000.123456789',
      duration_ns: '876543216',
      trace_id: root.spanContext().traceId,
      span_id: root.spanContext().spanId,
      parent_span_id: '',
      kind: 'SERVER',
      is_entry: 1,
      events_ts: ['1700000000.500000001'],
      events_name: ['ready'],
      events_attributes: [{ n: '1' }],
      links_trace_id: [link.traceId],
      links_span_id: [link.spanId],
      scope_name: 'sdk-test',
    });
    expect(rows.find((x) => x.span_name === 'check db')).toMatchObject({
      kind: 'CLIENT',
      parent_span_id: root.spanContext().spanId,
      duration_ns: '100000000',
      txn_service: 'api',
      txn_endpoint: 'GET /health',
    });
  });
});
