/**
 * The demo's HTTP services. Loaded only after the OpenTelemetry instrumentations are registered
 * (service-process.ts), so node:http, pg and mysql2 are patched and every request and query
 * becomes a span. Three services, each in its own process (the service name is per process):
 *
 * - storefront: the entry point; calls catalog and inventory over HTTP and keeps carts in MariaDB.
 * - catalog (PostgreSQL): GET /orders/recent lists 50 orders and then queries each order's items
 *   one by one — a real N+1 (1 + 50 queries per request).
 * - inventory (PostgreSQL): POST /inventory/reserve updates a stock row that a background restock
 *   job keeps locked for a few hundred ms at a time, so reservations wait on a row lock (and some
 *   give up after lock_timeout).
 *
 * Each service also logs through the OpenTelemetry logs API, inside the request's span (so every
 * record carries its trace id): what it did (INFO), slow requests and lock give-ups (WARN), and
 * failures with their exception (ERROR).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { logs, SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { Pool } from 'pg';
import { createPool, type Pool as MysqlPool } from 'mysql2/promise';
import { HOT_SKU, RECENT_ORDERS } from './databases';

export type DemoServiceName = 'storefront' | 'catalog' | 'inventory';

export interface ServiceConfig {
  service: DemoServiceName;
  postgresUrl: string;
  /** storefront only: MariaDB for carts, when one is available. */
  mysqlUrl?: string;
  /** storefront only: base URLs of the other services. */
  catalogUrl?: string;
  inventoryUrl?: string;
  /** inventory only: how often the restock job takes the hot row's lock, and for how long at most. */
  restockEveryMs?: number;
  restockHoldMs?: number;
}

type Handler = (req: IncomingMessage, params: URLSearchParams, match: RegExpMatchArray) => Promise<[number, unknown]>;
type Route = [method: string, route: string, pattern: RegExp, handler: Handler];

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

const tracer = () => trace.getTracer('meridian-demo-app');
/** A request slower than this logs a warning. */
const SLOW_REQUEST_MS = 500;

/** A log record in the active span's trace. */
function log(severity: 'INFO' | 'WARN' | 'ERROR', body: string, attributes: LogAttributes = {}): void {
  logs.getLogger('meridian-demo-app').emit({ severityNumber: SeverityNumber[severity], severityText: severity, body, attributes, context: context.active() });
}

export async function runService(cfg: ServiceConfig): Promise<RunningService> {
  const pool = new Pool({ connectionString: cfg.postgresUrl, max: 8 });
  // Reservations give up after this long waiting for the restock job's lock (errors for the demo).
  if (cfg.service === 'inventory') pool.on('connect', (c) => void c.query("SET lock_timeout = '700ms'").catch(() => undefined));
  const mysql = cfg.mysqlUrl ? createPool({ uri: cfg.mysqlUrl, connectionLimit: 4 }) : undefined;
  const routes = routesOf(cfg, pool, mysql);
  const stopJob = cfg.service === 'inventory' ? startRestockJob(pool, cfg.restockEveryMs ?? 2_000, cfg.restockHoldMs ?? 900) : () => undefined;

  const server = createServer((req, res) => void handle(routes, req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      stopJob();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end().catch(() => undefined);
      await mysql?.end().catch(() => undefined);
    },
  };
}

async function handle(routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo');
  const span = trace.getSpan(context.active());
  for (const [method, route, pattern, handler] of routes) {
    const match = url.pathname.match(pattern);
    if (req.method !== method || !match) continue;
    // node:http knows no routes: name the server span like a framework would, so Meridian's
    // endpoint is "GET /products/{sku}" and not one entry per URL.
    span?.setAttribute('http.route', route);
    span?.updateName(`${method} ${route}`);
    const name = `${method} ${route}`;
    const started = performance.now();
    try {
      const [status, body] = await handler(req, url.searchParams, match);
      send(res, status, body);
      const ms = Math.round(performance.now() - started);
      const attributes = { 'http.route': route, 'http.response.status_code': status, 'duration.ms': ms };
      if (status >= 500) log('ERROR', `${name} answered ${status}: ${(body as { error?: string }).error ?? ''}`, attributes);
      else if (ms >= SLOW_REQUEST_MS) log('WARN', `slow request: ${name} took ${ms} ms`, attributes);
    } catch (e) {
      const error = e as Error;
      span?.recordException(error);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      send(res, 500, { error: error.message });
      log('ERROR', `${name} failed: ${error.message}`, {
        'http.route': route,
        'http.response.status_code': 500,
        'exception.type': error.name,
        'exception.message': error.message,
        'exception.stacktrace': error.stack ?? '',
      });
    }
    return;
  }
  send(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function routesOf(cfg: ServiceConfig, pool: Pool, mysql: MysqlPool | undefined): Route[] {
  switch (cfg.service) {
    case 'catalog':
      return [
        [
          'GET',
          '/products',
          /^\/products$/,
          async () => [200, (await pool.query('SELECT id, sku, name, price_cents FROM products ORDER BY id LIMIT 20')).rows],
        ],
        [
          'GET',
          '/products/{sku}',
          /^\/products\/([\w-]+)$/,
          async (_req, _q, [, sku]) => {
            const product = await pool.query('SELECT id, sku, name, price_cents FROM products WHERE sku = $1', [sku]);
            if (product.rowCount === 0) return [404, { error: `no product ${sku}` }];
            const reviews = await pool.query('SELECT stars, body FROM reviews WHERE product_id = $1 ORDER BY created_at DESC LIMIT 5', [product.rows[0].id]);
            return [200, { ...product.rows[0], reviews: reviews.rows }];
          },
        ],
        [
          'GET',
          '/orders/recent',
          /^\/orders\/recent$/,
          async () => {
            const orders = await pool.query<{ id: number; customer: string }>('SELECT id, customer FROM orders ORDER BY id DESC LIMIT $1', [RECENT_ORDERS]);
            // The N+1: one query per order instead of one query for all of them.
            const out = [];
            for (const o of orders.rows) {
              const items = await pool.query('SELECT product_id, qty FROM order_items WHERE order_id = $1', [o.id]);
              out.push({ ...o, items: items.rows });
            }
            log('INFO', `listed ${out.length} recent orders with ${out.length + 1} queries`, { 'orders.count': out.length });
            return [200, out];
          },
        ],
      ];
    case 'inventory':
      return [
        [
          'POST',
          '/inventory/reserve',
          /^\/inventory\/reserve$/,
          async (_req, q) => {
            const sku = q.get('sku') ?? HOT_SKU;
            try {
              const r = await pool.query('UPDATE stock SET reserved = reserved + 1 WHERE sku = $1 RETURNING available - reserved AS left', [sku]);
              return r.rowCount === 0 ? [404, { error: `no stock for ${sku}` }] : [200, r.rows[0]];
            } catch (e) {
              if ((e as { code?: string }).code === '55P03') {
                log('WARN', `reservation of ${sku} gave up: stock row locked by the restock job (lock_timeout 700 ms)`, { 'product.sku': sku });
                return [503, { error: 'stock row locked by the restock job; try again' }];
              }
              throw e;
            }
          },
        ],
        [
          'GET',
          '/inventory/{sku}',
          /^\/inventory\/([\w-]+)$/,
          async (_req, _q, [, sku]) => [200, (await pool.query('SELECT sku, available, reserved FROM stock WHERE sku = $1', [sku])).rows[0] ?? null],
        ],
      ];
    case 'storefront':
      return [
        ['GET', '/products', /^\/products$/, async () => [200, await callJson('GET', `${cfg.catalogUrl}/products`)]],
        ['GET', '/orders/recent', /^\/orders\/recent$/, async () => [200, await callJson('GET', `${cfg.catalogUrl}/orders/recent`)]],
        [
          'POST',
          '/checkout/{sku}',
          /^\/checkout\/([\w-]+)$/,
          async (_req, q, [, sku]) => {
            const customer = Number(q.get('customer') ?? 1 + Math.floor(Math.random() * 100));
            const product = await callJson('GET', `${cfg.catalogUrl}/products/${sku}`);
            const reservation = await callJson('POST', `${cfg.inventoryUrl}/inventory/reserve?sku=${encodeURIComponent(sku)}`);
            if (mysql) {
              await mysql.execute('INSERT INTO carts (customer_id, sku, qty) VALUES (?, ?, ?)', [customer, sku, 1]);
              await mysql.query('SELECT c.tier, COUNT(*) AS items FROM customers c JOIN carts k ON k.customer_id = c.id WHERE c.id = ? GROUP BY c.tier', [
                customer,
              ]);
            }
            log('INFO', `order placed: ${sku} for customer ${customer}`, { 'product.sku': sku, 'customer.id': customer });
            return [200, { product, reservation }];
          },
        ],
      ];
  }
}

/** An instrumented HTTP call (the trace continues in the callee); a 5xx from it fails this call. */
function callJson(method: string, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 500) reject(new Error(`${method} ${url} answered ${res.statusCode}: ${body.slice(0, 200)}`));
        else resolve(body ? JSON.parse(body) : null);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every `everyMs`, locks the hot SKU's stock row for up to `holdMs` (a restock batch in one transaction). */
function startRestockJob(pool: Pool, everyMs: number, holdMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void tracer()
      .startActiveSpan('restock-job', async (span) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT available FROM stock WHERE sku = $1 FOR UPDATE', [HOT_SKU]);
          await new Promise((r) => setTimeout(r, holdMs / 3 + Math.random() * ((2 * holdMs) / 3)));
          await client.query('UPDATE stock SET available = available + 10, reserved = 0 WHERE sku = $1', [HOT_SKU]);
          await client.query('COMMIT');
          log('INFO', `restocked ${HOT_SKU}: +10`, { 'product.sku': HOT_SKU });
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
          log('ERROR', `restock of ${HOT_SKU} failed: ${(e as Error).message}`, { 'product.sku': HOT_SKU });
        } finally {
          client.release();
          span.end();
        }
      })
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
