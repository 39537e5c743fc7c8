import type { SpanRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { healthOf, ServiceMapQueries, type ServiceMap } from './service-map.queries';
import { makeDbSpanRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

const MS = 1_000_000n;
/** A minute-aligned base time 30 minutes ago; the map window is [BASE - 5 min, BASE + 10 min). */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const at = (offsetMs: number) => BigInt(BASE_MS + offsetMs) * MS;
const WINDOW = { from: new Date(BASE_MS - 5 * 60_000), to: new Date(BASE_MS + 10 * 60_000) };

/** A SERVER span of `service` (a transaction), optionally the child of a client span in another service. */
function server(tenant: string, service: string, offsetMs: number, durationMs: number, parent?: SpanRow, overrides: Partial<SpanRow> = {}): SpanRow {
  return makeSpanRow({
    tenant_id: tenant,
    service,
    txn_service: service,
    startNanos: at(offsetMs),
    durationMs,
    ...(parent && { trace_id: parent.trace_id, parent_span_id: parent.span_id }),
    ...overrides,
  });
}

/** An HTTP CLIENT span in `parent`'s service calling `address` (host:port as the stable semantic conventions name it). */
function httpClient(parent: SpanRow, address: string, offsetMs: number, durationMs: number, overrides: Partial<SpanRow> = {}): SpanRow {
  const [host, port] = address.split(':');
  return makeSpanRow({
    tenant_id: parent.tenant_id,
    trace_id: parent.trace_id,
    parent_span_id: parent.span_id,
    service: parent.service,
    txn_service: parent.service,
    span_name: 'GET',
    endpoint: 'GET',
    kind: 'CLIENT',
    is_entry: 0,
    http_route: '',
    startNanos: at(offsetMs),
    durationMs,
    attributes: { 'http.request.method': 'GET', 'server.address': host, ...(port && { 'server.port': port }), 'url.full': `http://${address}/x` },
    ...overrides,
  });
}

const edge = (map: ServiceMap, source: string, target: string) => map.edges.find((e) => e.source === source && e.target === target);
const node = (map: ServiceMap, id: string) => map.nodes.find((n) => n.id === id);

describe('ServiceMapQueries', () => {
  let ch: TestClickHouse;
  let q: ServiceMapQueries;
  let writer: RowWriter;
  let token = 0;
  const write = (rows: SpanRow[]) => writer.insert('eu', 'spans', toRowBody('spans', rows), `m-${++token}`);

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new ServiceMapQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  });
  afterAll(() => ch.close());

  it('finds the callee of an HTTP call by its SERVER span, written in another insert than the CLIENT span (either order)', async () => {
    // storefront calls catalog at an address that names no service (a pod IP): only the
    // parent/child pair can tell who answered. Each side goes in its own insert, as two
    // processes export them; the server span (which ends first) is stored first in half the calls.
    const calls = 10;
    for (let i = 0; i < calls; i++) {
      const root = server('m1', 'storefront', i * 1000, 120);
      const client = httpClient(root, '10.42.0.7:8080', i * 1000 + 5, 100, i === 0 ? { is_error: 1, status_code: 'ERROR' } : {});
      const callee = server('m1', 'catalog', i * 1000 + 6, 90, client, { endpoint: 'GET /products' });
      const db = makeDbSpanRow(callee, { startNanos: at(i * 1000 + 10), durationMs: 4, db_instance: '127.0.0.1:5432', db_system: 'postgresql' });
      if (i % 2 === 0) {
        await write([callee, db]);
        await write([root, client]);
      } else {
        await write([root, client]);
        await write([callee, db]);
      }
    }
    const map = await q.serviceMap('eu', 'm1', WINDOW);

    expect(map.edges.map((e) => `${e.source} → ${e.target} (${e.resolvedBy})`).sort()).toEqual([
      'service:catalog → database:postgresql:127.0.0.1:5432 (target)',
      'service:storefront → service:catalog (trace)',
    ]);
    const call = edge(map, 'service:storefront', 'service:catalog')!;
    expect(call.figures).toMatchObject({ count: calls, errors: 1, errorRate: 0.1, perMin: calls / 15, avgMs: 100 });
    expect(call.figures.p95Ms).toBeCloseTo(100, 0);
    expect(node(map, 'service:catalog')).toMatchObject({ kind: 'service', figures: { count: calls, errors: 0 }, apdex: 1, health: 'ok' });
    expect(node(map, 'service:storefront')).toMatchObject({ kind: 'service', figures: { count: calls } });
    expect(node(map, 'database:postgresql:127.0.0.1:5432')).toMatchObject({
      kind: 'database',
      system: 'postgresql',
      name: '127.0.0.1:5432',
      figures: { count: calls, errors: 0 },
      apdex: null,
      health: 'ok',
    });
    // The pod address is not a node: the call went to catalog.
    expect(map.nodes.map((n) => n.id).sort()).toEqual(['database:postgresql:127.0.0.1:5432', 'service:catalog', 'service:storefront']);
  });

  it('names the callee by host or peer.service when no server span answers, else draws an external or database leaf', async () => {
    const root = server('m2', 'checkout', 0, 300, undefined, { is_error: 1 });
    // inventory has transactions of its own in the window, but none is a child of these calls (not traced, or sampled out).
    const inventory = server('m2', 'inventory', 50, 20);
    await write([
      root,
      inventory,
      httpClient(root, 'inventory:80', 10, 30),
      httpClient(root, 'payments-internal:8443', 20, 40, { peer_service: 'inventory' }),
      httpClient(root, 'api.stripe.com:443', 30, 200, { is_error: 1 }),
      makeDbSpanRow(root, { startNanos: at(40), db_system: 'mysql', db_instance: '', db_name: 'carts' }),
    ]);
    const map = await q.serviceMap('eu', 'm2', WINDOW);

    expect(map.edges.map((e) => `${e.source} → ${e.target} (${e.resolvedBy})`).sort()).toEqual([
      'service:checkout → database:mysql:carts (target)',
      'service:checkout → external:api.stripe.com:443 (target)',
      'service:checkout → service:inventory (name)',
    ]);
    // Two targets (a host and a peer.service) that both name inventory are one edge; its digests are merged.
    expect(edge(map, 'service:checkout', 'service:inventory')!.figures).toMatchObject({ count: 2, avgMs: 35 });
    expect(node(map, 'external:api.stripe.com:443')).toMatchObject({ kind: 'external', figures: { count: 1, errors: 1 }, health: 'critical' });
    expect(node(map, 'service:checkout')!.health).toBe('critical');
  });

  it('pairs a call that starts in one minute with its server span in the next, and learns the callee from the last minute of calls', async () => {
    // An earlier call to the same address (minute 0) without a traced answer, then one across the minute 1 → 2 boundary with one.
    const early = server('m4', 'api', 0, 50);
    const root = server('m4', 'api', 2 * 60_000 - 50, 200);
    const client = httpClient(root, '10.1.2.3:9000', 2 * 60_000 - 10, 100);
    await write([early, httpClient(early, '10.1.2.3:9000', 5, 20)]);
    await write([server('m4', 'ledger', 2 * 60_000 + 5, 80, client)]);
    await write([root, client]);
    const map = await q.serviceMap('eu', 'm4', WINDOW);
    expect(map.edges.map((e) => `${e.source} → ${e.target} (${e.resolvedBy}) ×${e.figures.count}`)).toEqual(['service:api → service:ledger (trace) ×2']);
  });

  it('keeps tenants apart and bounds the window', async () => {
    const root = server('m3', 'solo', 0, 10);
    await write([root, httpClient(root, 'storefront:80', 1, 5)]);
    const map = await q.serviceMap('eu', 'm3', WINDOW);
    // m1 has a storefront service, but this tenant's call to a host named "storefront" is an external leaf.
    expect(map.edges.map((e) => `${e.source} → ${e.target}`)).toEqual(['service:solo → external:storefront:80']);
    expect(map.nodes.map((n) => n.id).sort()).toEqual(['external:storefront:80', 'service:solo']);
    expect(await q.serviceMap('eu', 'nobody', WINDOW)).toEqual({ nodes: [], edges: [] });

    await expect(q.serviceMap('eu', 'm3', { from: WINDOW.from, to: new Date(WINDOW.from.getTime() + 8 * 86400_000) })).rejects.toMatchObject({
      field: 'to',
    });
    await expect(q.serviceMap('eu', '', WINDOW)).rejects.toBeInstanceOf(QueryValidationError);
    await expect(q.serviceMap('eu', 'm3', { from: new Date(NaN), to: WINDOW.to })).rejects.toMatchObject({ field: 'from' });
  });

  it('colours health by error rate and Apdex', () => {
    const f = (count: number, errors: number) => ({ count, errors, errorRate: count ? errors / count : 0, perMin: 1, avgMs: 1, p95Ms: 1 });
    expect(healthOf(null, null)).toBe('idle');
    expect(healthOf(f(100, 0), 0.95)).toBe('ok');
    expect(healthOf(f(100, 2), null)).toBe('warning');
    expect(healthOf(f(100, 0), 0.8)).toBe('warning');
    expect(healthOf(f(100, 5), 1)).toBe('critical');
    expect(healthOf(f(100, 0), 0.5)).toBe('critical');
  });
});
