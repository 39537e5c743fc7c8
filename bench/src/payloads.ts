/**
 * OTLP/HTTP protobuf trace payloads made with the real OpenTelemetry JS SDK: spans recorded by
 * a BasicTracerProvider into an InMemorySpanExporter, serialized by the SDK exporters' own
 * ProtobufTraceSerializer (@opentelemetry/otlp-transformer). One payload is one SDK export of
 * one service: complete traces (a SERVER entry span with HTTP attributes, CLIENT database spans
 * with literal-carrying SQL, sometimes an INTERNAL span), some of them failing.
 */
import { context, type HrTime, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createRng, type Rng } from '@meridian/demo';

export interface PayloadSpec {
  payloads: number;
  /** Traces are added to a payload until it holds at least this many spans. */
  spansPerPayload: number;
  seed: number;
  /** Span times fall in [endTimeMs - spreadMs, endTimeMs] (minus the trace's duration). */
  endTimeMs: number;
  spreadMs: number;
}

export interface PayloadSet {
  bodies: Buffer[];
  /** Spans in each body. */
  spanCounts: number[];
  spans: number;
  traces: number;
  errorTraces: number;
  bytes: number;
  services: string[];
  generateMs: number;
}

interface Query {
  system: 'postgresql' | 'mysql';
  operation: string;
  table: string;
  sql: (rng: Rng) => string;
}
interface Endpoint {
  method: string;
  route: string;
  path: (rng: Rng) => string;
  medianMs: number;
  queries: Query[];
}
interface Service {
  name: string;
  db: { host: string; port: number; namespace: string };
  endpoints: Endpoint[];
}

const id = (rng: Rng) => rng.int(1, 9_999_999);
const q = (system: Query['system'], operation: string, table: string, sql: Query['sql']): Query => ({ system, operation, table, sql });

const ORDERS_QUERIES = [
  q('postgresql', 'SELECT', 'orders', (r) => `SELECT id, customer_id, status, total_cents FROM orders WHERE id = ${id(r)} AND tenant = 'shop-${r.int(1, 40)}'`),
  q('postgresql', 'SELECT', 'order_items', (r) => `SELECT sku, qty, price_cents FROM order_items WHERE order_id = ${id(r)} ORDER BY line_no`),
  q('postgresql', 'UPDATE', 'orders', (r) => `UPDATE orders SET status = 'paid', updated_at = now() WHERE id = ${id(r)} AND version = ${r.int(1, 9)}`),
  q(
    'postgresql',
    'INSERT',
    'order_events',
    (r) => `INSERT INTO order_events (order_id, kind, payload) VALUES (${id(r)}, 'status_changed', '{"from":"new","to":"paid"}')`,
  ),
];
const CATALOG_QUERIES = [
  q(
    'mysql',
    'SELECT',
    'products',
    (r) => `SELECT * FROM products WHERE sku IN (${Array.from({ length: r.int(1, 12) }, () => `'SKU-${r.int(1000, 99999)}'`).join(', ')})`,
  ),
  q('mysql', 'SELECT', 'prices', (r) => `SELECT price_cents, currency FROM prices WHERE product_id = ${id(r)} AND region = 'jp' LIMIT 1`),
  q('mysql', 'SELECT', 'stock', (r) => `SELECT available FROM stock WHERE sku = 'SKU-${r.int(1000, 99999)}' AND warehouse_id = ${r.int(1, 30)}`),
];
const ACCOUNT_QUERIES = [
  q('postgresql', 'SELECT', 'customers', (r) => `SELECT id, email, tier FROM customers WHERE id = ${id(r)}`),
  q(
    'postgresql',
    'SELECT',
    'sessions',
    (r) => `SELECT user_id, expires_at FROM sessions WHERE token = '${r.int(1e8, 9e8).toString(16)}${r.int(1e8, 9e8).toString(16)}'`,
  ),
  q('postgresql', 'UPDATE', 'customers', (r) => `UPDATE customers SET last_seen_at = now() WHERE id = ${id(r)}`),
];
const PAYMENT_QUERIES = [
  q('postgresql', 'SELECT', 'payment_methods', (r) => `SELECT id, brand, last4 FROM payment_methods WHERE customer_id = ${id(r)} AND active = true`),
  q(
    'postgresql',
    'INSERT',
    'charges',
    (r) => `INSERT INTO charges (order_id, amount_cents, currency, status) VALUES (${id(r)}, ${r.int(100, 99999)}, 'JPY', 'authorized')`,
  ),
  q('postgresql', 'UPDATE', 'charges', (r) => `UPDATE charges SET status = 'captured' WHERE id = ${id(r)}`),
];

const ep = (method: string, route: string, medianMs: number, queries: Query[], path?: Endpoint['path']): Endpoint => ({
  method,
  route,
  medianMs,
  queries,
  path: path ?? ((r) => route.replace(/:[a-z]+/g, () => String(id(r)))),
});

const SERVICES: Service[] = [
  {
    name: 'storefront',
    db: { host: 'pg-store-1.internal', port: 5432, namespace: 'store' },
    endpoints: [
      ep('GET', '/', 35, CATALOG_QUERIES),
      ep('GET', '/products/:id', 45, CATALOG_QUERIES),
      ep('GET', '/search', 120, CATALOG_QUERIES, (r) => `/search?q=item${r.int(1, 500)}`),
      ep('GET', '/cart', 60, [...CATALOG_QUERIES, ...ACCOUNT_QUERIES]),
      ep('POST', '/cart/items', 80, CATALOG_QUERIES),
      ep('GET', '/account', 55, ACCOUNT_QUERIES),
    ],
  },
  {
    name: 'orders',
    db: { host: 'pg-orders-1.internal', port: 5432, namespace: 'orders' },
    endpoints: [
      ep('GET', '/orders/:id', 40, ORDERS_QUERIES),
      ep('POST', '/orders', 150, ORDERS_QUERIES),
      ep('GET', '/orders', 90, ORDERS_QUERIES),
      ep('PUT', '/orders/:id/status', 70, ORDERS_QUERIES),
      ep('GET', '/orders/:id/items', 50, ORDERS_QUERIES),
    ],
  },
  {
    name: 'payments',
    db: { host: 'pg-pay-1.internal', port: 5432, namespace: 'payments' },
    endpoints: [
      ep('POST', '/payments', 220, PAYMENT_QUERIES),
      ep('POST', '/payments/:id/capture', 180, PAYMENT_QUERIES),
      ep('GET', '/payments/:id', 30, PAYMENT_QUERIES),
      ep('POST', '/refunds', 260, PAYMENT_QUERIES),
    ],
  },
  {
    name: 'catalog',
    db: { host: 'mysql-catalog-1.internal', port: 3306, namespace: 'catalog' },
    endpoints: [
      ep('GET', '/catalog/products', 70, CATALOG_QUERIES),
      ep('GET', '/catalog/products/:id', 25, CATALOG_QUERIES),
      ep('GET', '/catalog/categories/:id', 45, CATALOG_QUERIES),
      ep('PUT', '/catalog/products/:id/stock', 60, CATALOG_QUERIES),
    ],
  },
  {
    name: 'accounts',
    db: { host: 'pg-accounts-1.internal', port: 5432, namespace: 'accounts' },
    endpoints: [
      ep('POST', '/login', 110, ACCOUNT_QUERIES),
      ep('GET', '/me', 20, ACCOUNT_QUERIES),
      ep('PUT', '/me/profile', 65, ACCOUNT_QUERIES),
      ep('POST', '/logout', 15, ACCOUNT_QUERIES),
    ],
  },
];

export const PAYLOAD_SERVICES: readonly string[] = SERVICES.map((s) => s.name);

function hrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.min(999_999_999, Math.round((ms - s * 1000) * 1e6))];
}

interface Recorder {
  service: Service;
  tracer: Tracer;
  exporter: InMemorySpanExporter;
}

function recorder(service: Service, index: number): Recorder {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service.name,
      'service.version': `1.${index + 3}.${index * 7}`,
      'service.instance.id': `${service.name}-7f9c${index}d-x${index}k2p`,
      'host.name': `ip-10-0-${index + 1}-${40 + index}.ap-northeast-1.compute.internal`,
      'deployment.environment.name': 'production',
      'cloud.region': 'ap-northeast-1',
      'process.pid': 4000 + index,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.19.0',
    }),
    // In sdk-trace-base 2.12 the processors still take the exporter as first argument.
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { service, exporter, tracer: provider.getTracer('@opentelemetry/instrumentation-http', '0.203.0') };
}

/** Records one trace; returns its span count and whether it failed. */
function recordTrace(rec: Recorder, rng: Rng, startMs: number): { spans: number; failed: boolean } {
  const { service, tracer } = rec;
  const endpoint = rng.pick(service.endpoints);
  const slow = rng.chance(0.01);
  const durationMs = slow ? 1000 + rng.next() * 14_000 : Math.max(1, rng.logNormal(endpoint.medianMs, 0.6));
  const failed = rng.chance(0.03);
  const status = failed ? rng.pick([500, 502, 503]) : endpoint.method === 'POST' ? 201 : 200;
  const server = tracer.startSpan(`${endpoint.method} ${endpoint.route}`, {
    kind: SpanKind.SERVER,
    startTime: hrTime(startMs),
    attributes: {
      'http.request.method': endpoint.method,
      'http.route': endpoint.route,
      'url.path': endpoint.path(rng),
      'url.scheme': 'https',
      'http.response.status_code': status,
      'server.address': `${service.name}.shop.example.com`,
      'server.port': 443,
      'client.address': `10.1.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      'user_agent.original': rng.pick(['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'okhttp/4.12.0']),
      'network.protocol.version': '1.1',
    },
  });
  const ctx = trace.setSpan(context.active(), server);
  let spans = 1;
  const children = rng.int(2, 8);
  const failingChild = failed ? rng.int(0, children - 1) : -1;
  let cursor = startMs + durationMs * 0.05;
  const slot = (durationMs * 0.85) / children;
  if (rng.chance(0.5)) {
    const internal = tracer.startSpan('render response', { kind: SpanKind.INTERNAL, startTime: hrTime(startMs + durationMs * 0.9) }, ctx);
    internal.end(hrTime(startMs + durationMs * 0.98));
    spans++;
  }
  for (let i = 0; i < children; i++) {
    const query = rng.pick(endpoint.queries);
    const dbMs = slot * (0.2 + rng.next() * 0.7);
    const span: Span = tracer.startSpan(
      `${query.operation} ${service.db.namespace}.${query.table}`,
      {
        kind: SpanKind.CLIENT,
        startTime: hrTime(cursor),
        attributes: {
          'db.system.name': query.system,
          'db.namespace': service.db.namespace,
          'db.operation.name': query.operation,
          'db.collection.name': query.table,
          'db.query.text': query.sql(rng),
          'server.address': service.db.host,
          'server.port': service.db.port,
        },
      },
      ctx,
    );
    if (i === failingChild) {
      span.recordException({ name: 'QueryFailedError', message: 'canceling statement due to statement timeout' }, hrTime(cursor + dbMs));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'canceling statement due to statement timeout' });
    }
    span.end(hrTime(cursor + dbMs));
    cursor += slot;
    spans++;
  }
  if (failed) server.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
  server.end(hrTime(startMs + durationMs));
  return { spans, failed };
}

export function generatePayloads(spec: PayloadSpec): PayloadSet {
  const t0 = performance.now();
  const rng = createRng(spec.seed);
  const recorders = SERVICES.map(recorder);
  const serializer = ProtobufTraceSerializer;
  const set: PayloadSet = { bodies: [], spanCounts: [], spans: 0, traces: 0, errorTraces: 0, bytes: 0, services: SERVICES.map((s) => s.name), generateMs: 0 };
  for (let p = 0; p < spec.payloads; p++) {
    const rec = recorders[p % recorders.length];
    let spans = 0;
    while (spans < spec.spansPerPayload) {
      const startMs = spec.endTimeMs - 16_000 - rng.next() * (spec.spreadMs - 16_000);
      const t = recordTrace(rec, rng, startMs);
      spans += t.spans;
      set.traces++;
      if (t.failed) set.errorTraces++;
    }
    const finished = rec.exporter.getFinishedSpans();
    const body = serializer.serializeRequest(finished);
    if (!body) throw new Error('ProtobufTraceSerializer returned no payload');
    rec.exporter.reset();
    const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    set.bodies.push(buf);
    set.spanCounts.push(finished.length);
    set.bytes += buf.length;
    set.spans += finished.length;
  }
  set.generateMs = performance.now() - t0;
  return set;
}
