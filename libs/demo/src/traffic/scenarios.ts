// The demo's world as data: services, database instances and endpoints with their latency,
// their steps (DB queries, calls to other services, external calls, internal work) and their
// failure modes. The planner walks this table; nothing about a particular endpoint lives in code.
//
// Query and path templates use tokens that the planner fills in per call:
//   sticky per transaction (the same order/customer/SKU across the whole trace):
//     {customerId} {orderId} {productId} {sku} {qty} {total} {day} {reportKey}
//   fresh on every use (so fingerprinting has literals to fold):
//     {id} {cents} {hex} {skuList} {itemSku} {itemQty}

/** Which attribute names a service's instrumentation writes. */
export type SemconvStyle = 'old' | 'stable';

export interface ServiceDef {
  name: string;
  version: string;
  host: string;
  port: number;
  semconv: SemconvStyle;
  /** resident memory the simulated process idles at, MiB */
  baseMemoryMiB: number;
}

export interface DbInstanceDef {
  system: 'postgresql' | 'mysql' | 'redis';
  host: string;
  port: number;
  namespace: string;
  user: string;
  poolSize: number;
}

/** Log-normal around a median, optionally with a slow tail and clamped to [minMs, maxMs]. */
export interface Latency {
  medianMs: number;
  sigma: number;
  tail?: { p: number; minMs: number; maxMs: number };
  minMs?: number;
  maxMs?: number;
}

export interface DbStep {
  db: string;
  operation: string;
  table: string;
  query: string;
  latency: Latency;
  /** run the query this many times (inclusive range): the N+1 */
  repeat?: [number, number];
  /** probability that the step runs at all (default 1) */
  p?: number;
}
export interface CallStep {
  /** endpoint key, `${service} ${method} ${route}` */
  call: string;
  /** status the caller answers with when the callee fails with a 5xx (default 502) */
  onUpstreamError?: number;
  p?: number;
}
export interface ExternalStep {
  external: { host: string; port: number; method: string; path: string };
  latency: Latency;
  p?: number;
}
export interface InternalStep {
  internal: string;
  latency: Latency;
  p?: number;
}
export type Step = DbStep | CallStep | ExternalStep | InternalStep;

export interface ExceptionDef {
  type: string;
  message: string;
  /** stack frames, innermost first, without the leading "at " */
  frames: string[];
}

export interface FailureDef {
  /** probability per request */
  p: number;
  status: number;
  exception?: ExceptionDef;
  /** steps after this index do not run */
  afterStep?: number;
  /** when set, the step at `afterStep` is the one that fails, taking this long (e.g. a timeout) */
  stepFailure?: Latency;
}

export interface EndpointDef {
  service: string;
  /** HTTP method; for consumers the messaging operation name */
  method: string;
  /** http.route; for consumers the destination (topic) */
  route: string;
  /** concrete path template for HTTP endpoints (may carry a query string) */
  path?: string;
  consumer?: { system: string; group: string; partitions: number };
  /** relative share of the generated transactions that start here (0: only called by others) */
  entryWeight: number;
  /** time spent in the service itself, outside its steps */
  self: Latency;
  steps: Step[];
  failures?: FailureDef[];
}

export const SERVICES: readonly ServiceDef[] = [
  { name: 'web-frontend', version: '3.14.2', host: 'web-frontend-7d9f8b6c4-x2kqp', port: 3000, semconv: 'old', baseMemoryMiB: 180 },
  { name: 'checkout-api', version: '2.8.0', host: 'checkout-api-5b6c9d7f8-q8ztr', port: 8080, semconv: 'old', baseMemoryMiB: 240 },
  { name: 'inventory-api', version: '1.22.5', host: 'inventory-api-6f7c8d9b5-m3npw', port: 8081, semconv: 'stable', baseMemoryMiB: 150 },
  { name: 'payments-api', version: '4.1.0', host: 'payments-api-7a8b9c6d5-k2lmv', port: 8082, semconv: 'stable', baseMemoryMiB: 210 },
  { name: 'report-worker', version: '1.3.7', host: 'report-worker-0', port: 9464, semconv: 'stable', baseMemoryMiB: 420 },
];

export const DB_INSTANCES: Readonly<Record<string, DbInstanceDef>> = {
  'orders-db': { system: 'postgresql', host: 'orders-db.internal', port: 5432, namespace: 'orders', user: 'checkout', poolSize: 20 },
  'inventory-db': { system: 'mysql', host: 'inventory-db.internal', port: 3306, namespace: 'inventory', user: 'inventory', poolSize: 10 },
  'payments-db': { system: 'postgresql', host: 'payments-db.internal', port: 5432, namespace: 'payments', user: 'payments', poolSize: 10 },
  'session-cache': { system: 'redis', host: 'cache.internal', port: 6379, namespace: '0', user: 'default', poolSize: 8 },
};

/** frames for the exception a caller records when a callee answers 5xx */
export const UPSTREAM_FRAMES = [
  'HttpClient.request (/app/dist/http/client.js:88:13)',
  'process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
];

export const ENDPOINTS: readonly EndpointDef[] = [
  // ── web-frontend: what browsers hit ──
  {
    service: 'web-frontend',
    method: 'GET',
    route: '/',
    path: '/',
    entryWeight: 5,
    self: { medianMs: 24, sigma: 0.45, tail: { p: 0.01, minMs: 600, maxMs: 2500 } },
    steps: [
      { db: 'session-cache', operation: 'GET', table: 'session', query: 'GET session:{hex}', latency: { medianMs: 0.6, sigma: 0.5 } },
      { internal: 'render home', latency: { medianMs: 6, sigma: 0.4 } },
    ],
  },
  {
    service: 'web-frontend',
    method: 'GET',
    route: '/products/{id}',
    path: '/products/{productId}',
    entryWeight: 6,
    self: { medianMs: 18, sigma: 0.5 },
    steps: [
      { db: 'session-cache', operation: 'GET', table: 'product', query: 'GET product:{productId}', latency: { medianMs: 0.5, sigma: 0.5 } },
      { call: 'inventory-api GET /api/stock/{sku}' },
      { internal: 'render product', latency: { medianMs: 8, sigma: 0.4 } },
    ],
    failures: [{ p: 0.03, status: 404, afterStep: 0 }],
  },
  {
    service: 'web-frontend',
    method: 'POST',
    route: '/checkout',
    path: '/checkout',
    entryWeight: 3,
    self: { medianMs: 30, sigma: 0.4 },
    steps: [{ call: 'checkout-api POST /api/checkout' }],
  },
  {
    service: 'web-frontend',
    method: 'GET',
    route: '/account/orders',
    path: '/account/orders',
    entryWeight: 2,
    self: { medianMs: 26, sigma: 0.4 },
    steps: [{ call: 'checkout-api GET /api/orders' }, { internal: 'render orders', latency: { medianMs: 12, sigma: 0.5 } }],
  },

  // ── checkout-api: orders on PostgreSQL; GET /api/orders is the N+1 ──
  {
    service: 'checkout-api',
    method: 'POST',
    route: '/api/checkout',
    path: '/api/checkout',
    entryWeight: 0,
    self: { medianMs: 16, sigma: 0.4 },
    steps: [
      {
        db: 'orders-db',
        operation: 'SELECT',
        table: 'customers',
        query: 'SELECT id, email, tier FROM customers WHERE id = {customerId}',
        latency: { medianMs: 1.2, sigma: 0.5 },
      },
      { call: 'inventory-api POST /api/stock/reserve', onUpstreamError: 503 },
      {
        db: 'orders-db',
        operation: 'INSERT',
        table: 'orders',
        query: "INSERT INTO orders (customer_id, status, total_cents, created_at) VALUES ({customerId}, 'pending', {total}, now()) RETURNING id",
        latency: { medianMs: 2.5, sigma: 0.5 },
      },
      {
        db: 'orders-db',
        operation: 'INSERT',
        table: 'order_items',
        query: "INSERT INTO order_items (order_id, sku, qty, price_cents) VALUES ({orderId}, '{itemSku}', {itemQty}, {cents})",
        latency: { medianMs: 1.1, sigma: 0.4 },
        repeat: [1, 5],
      },
      { call: 'payments-api POST /api/pay', onUpstreamError: 502 },
      {
        db: 'orders-db',
        operation: 'UPDATE',
        table: 'orders',
        query: "UPDATE orders SET status = 'paid', paid_at = now() WHERE id = {orderId}",
        latency: { medianMs: 1.8, sigma: 0.5 },
      },
    ],
  },
  {
    service: 'checkout-api',
    method: 'GET',
    route: '/api/orders',
    path: '/api/orders?customer={customerId}&limit=50',
    entryWeight: 0,
    self: { medianMs: 9, sigma: 0.4 },
    steps: [
      {
        db: 'orders-db',
        operation: 'SELECT',
        table: 'orders',
        query: 'SELECT id, status, total_cents, created_at FROM orders WHERE customer_id = {customerId} ORDER BY created_at DESC LIMIT 50',
        latency: { medianMs: 3.5, sigma: 0.5 },
      },
      // The N+1: one query per order instead of one join.
      {
        db: 'orders-db',
        operation: 'SELECT',
        table: 'order_items',
        query: 'SELECT * FROM order_items WHERE order_id = {id}',
        latency: { medianMs: 0.9, sigma: 0.35, tail: { p: 0.01, minMs: 20, maxMs: 80 } },
        repeat: [20, 60],
      },
    ],
  },

  // ── inventory-api: stock on MySQL; row locks make it slow now and then ──
  {
    service: 'inventory-api',
    method: 'GET',
    route: '/api/stock/{sku}',
    path: '/api/stock/{sku}',
    entryWeight: 0,
    self: { medianMs: 6, sigma: 0.4, tail: { p: 0.01, minMs: 200, maxMs: 600 } },
    steps: [
      // waits behind the reservation UPDATEs holding the row lock
      {
        db: 'inventory-db',
        operation: 'SELECT',
        table: 'stock',
        query: "SELECT sku, qty_available, qty_reserved, warehouse_id FROM stock WHERE sku = '{sku}' LOCK IN SHARE MODE",
        latency: { medianMs: 1.5, sigma: 0.5, tail: { p: 0.05, minMs: 2000, maxMs: 9000 } },
      },
      {
        db: 'inventory-db',
        operation: 'SELECT',
        table: 'stock',
        query: 'SELECT sku, qty_available FROM stock WHERE sku IN ({skuList})',
        latency: { medianMs: 2, sigma: 0.5 },
        p: 0.6,
      },
    ],
  },
  {
    service: 'inventory-api',
    method: 'POST',
    route: '/api/stock/reserve',
    path: '/api/stock/reserve',
    entryWeight: 0,
    self: { medianMs: 5, sigma: 0.4 },
    steps: [
      {
        db: 'inventory-db',
        operation: 'UPDATE',
        table: 'stock',
        query: "UPDATE stock SET qty_available = qty_available - {qty}, qty_reserved = qty_reserved + {qty} WHERE sku = '{sku}' AND qty_available >= {qty}",
        latency: { medianMs: 2.2, sigma: 0.5, tail: { p: 0.06, minMs: 2000, maxMs: 9000 } },
      },
      {
        db: 'inventory-db',
        operation: 'INSERT',
        table: 'stock_reservations',
        query: "INSERT INTO stock_reservations (sku, order_ref, qty, expires_at) VALUES ('{sku}', '{hex}', {qty}, NOW() + INTERVAL 15 MINUTE)",
        latency: { medianMs: 1.6, sigma: 0.4 },
      },
    ],
    failures: [
      {
        p: 0.01,
        status: 503,
        afterStep: 0,
        stepFailure: { medianMs: 1200, sigma: 0.3 },
        exception: {
          type: 'ER_LOCK_DEADLOCK',
          message: 'Deadlock found when trying to get lock; try restarting transaction',
          frames: [
            'Query.Sequence._packetToError (/app/node_modules/mysql2/lib/commands/command.js:47:14)',
            'StockRepository.reserve (/app/dist/stock/stock.repository.js:61:9)',
          ],
        },
      },
    ],
  },

  // ── payments-api: PostgreSQL plus an external payment provider that times out ~8 % ──
  {
    service: 'payments-api',
    method: 'POST',
    route: '/api/pay',
    path: '/api/pay',
    entryWeight: 0,
    self: { medianMs: 22, sigma: 0.35 },
    steps: [
      {
        db: 'payments-db',
        operation: 'INSERT',
        table: 'payments',
        query:
          "INSERT INTO payments (order_id, amount_cents, currency, status, idempotency_key) VALUES ({orderId}, {total}, 'JPY', 'pending', '{hex}') RETURNING id",
        latency: { medianMs: 2, sigma: 0.4 },
      },
      {
        external: { host: 'psp.example.net', port: 443, method: 'POST', path: '/v1/charges' },
        latency: { medianMs: 180, sigma: 0.45, tail: { p: 0.02, minMs: 1200, maxMs: 2800 } },
      },
      {
        db: 'payments-db',
        operation: 'UPDATE',
        table: 'payments',
        query: "UPDATE payments SET status = 'captured', psp_ref = '{hex}' WHERE order_id = {orderId}",
        latency: { medianMs: 1.5, sigma: 0.4 },
      },
    ],
    failures: [
      {
        p: 0.08,
        status: 500,
        afterStep: 1,
        stepFailure: { medianMs: 3000, sigma: 0.01 },
        exception: {
          type: 'PaymentProviderTimeoutError',
          message: 'psp.example.net did not answer within 3000 ms (POST /v1/charges)',
          frames: ['PspClient.charge (/app/dist/psp/psp.client.js:112:15)', 'PaymentsService.pay (/app/dist/payments/payments.service.js:48:22)'],
        },
      },
    ],
  },

  // ── report-worker: Kafka consumer with long aggregate queries ──
  {
    service: 'report-worker',
    method: 'process',
    route: 'report-requests',
    consumer: { system: 'kafka', group: 'report-worker', partitions: 6 },
    entryWeight: 0.4,
    self: { medianMs: 900, sigma: 0.4 },
    steps: [
      {
        db: 'orders-db',
        operation: 'SELECT',
        table: 'orders',
        query:
          "SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total_cents) AS revenue FROM orders WHERE created_at >= '{day}' GROUP BY 1 ORDER BY 1",
        latency: { medianMs: 15000, sigma: 0.3, minMs: 7000, maxMs: 32000 },
      },
      { internal: 'render report pdf', latency: { medianMs: 2500, sigma: 0.4 } },
      { external: { host: 'storage.example.net', port: 443, method: 'PUT', path: '/reports/{reportKey}.pdf' }, latency: { medianMs: 400, sigma: 0.5 } },
      {
        db: 'orders-db',
        operation: 'INSERT',
        table: 'reports',
        query: "INSERT INTO reports (customer_id, period_start, object_key) VALUES ({customerId}, '{day}', 'reports/{reportKey}.pdf')",
        latency: { medianMs: 3, sigma: 0.4 },
      },
    ],
  },
];

export function endpointKey(ep: Pick<EndpointDef, 'service' | 'method' | 'route'>): string {
  return `${ep.service} ${ep.method} ${ep.route}`;
}
