import { SpanKind, SpanStatusCode, context as otelContext, trace, type Span } from '@opentelemetry/api';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  ARTIFACTS_DIR,
  buildWebUi,
  launchBrowser,
  sdkTelemetry,
  SessionClient,
  startTenantFixture,
  type MeridianProcess,
  type SdkTelemetry,
} from '@meridian/testing';
import { until } from './support/until';

/**
 * The service map against the real server, fed by the real OpenTelemetry SDK: three services,
 * each with its own SDK (so each side of a call is exported in its own request), calling each
 * other over HTTP and using PostgreSQL and MariaDB. storefront calls catalog at a pod address
 * that names no service, so only the parent/child pair of spans can say who answered.
 */
jest.setTimeout(300_000);

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;
let viewer: SessionClient;

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('map'));
  const email = `viewer-${Date.now()}@example.com`;
  const { acceptUrl } = await owner.call('createInvitation', { params: { tenant: slug }, body: { email, role: 'viewer' } });
  viewer = await SessionClient.signUp(base, email, undefined, new URL(acceptUrl).searchParams.get('token')!);
  browser = await launchBrowser();
}, 240_000);

/** A host name that would run script if it reached the page as HTML. */
const HOSTILE_HOST = '<img src=x onerror="document.title=\'pwned\'">';

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

const REQUESTS = 6;

async function sendCallChain(): Promise<void> {
  const sdk = (serviceName: string) =>
    sdkTelemetry({ protocol: 'http/protobuf', httpPort: meridian.ports.http, grpcPort: meridian.ports.grpc, key: ingestKey, serviceName });
  const [storefront, catalog, inventory] = [sdk('storefront'), sdk('catalog'), sdk('inventory')];
  const child = (s: SdkTelemetry, parent: Span, name: string, kind: SpanKind, attributes: Record<string, string | number>) =>
    s.tracer.startSpan(name, { kind, attributes }, trace.setSpan(otelContext.active(), parent));
  const server = (s: SdkTelemetry, parent: Span | undefined, route: string) => {
    const options = { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200 } };
    return parent ? s.tracer.startSpan(`GET ${route}`, options, trace.setSpan(otelContext.active(), parent)) : s.tracer.startSpan(`GET ${route}`, options);
  };
  const httpCall = (address: string, port: number) => ({
    'http.request.method': 'GET',
    'server.address': address,
    'server.port': port,
    'url.full': `http://${address}:${port}/x`,
  });

  for (let i = 0; i < REQUESTS; i++) {
    const root = server(storefront, undefined, '/checkout');
    // storefront → catalog at a pod IP: resolved by the catalog SERVER span that is the call's child.
    const toCatalog = child(storefront, root, 'GET', SpanKind.CLIENT, httpCall('10.42.3.17', 8080));
    const products = server(catalog, toCatalog, '/products');
    child(catalog, products, 'SELECT products', SpanKind.CLIENT, {
      'db.system': 'postgresql',
      'db.statement': `SELECT * FROM products WHERE id = ${i}`,
      'net.peer.name': '127.0.0.1',
      'net.peer.port': 5432,
    }).end();
    products.end();
    toCatalog.end();
    // storefront → inventory, which also uses PostgreSQL and MariaDB.
    const toInventory = child(storefront, root, 'GET', SpanKind.CLIENT, httpCall('inventory', 80));
    const reserve = server(inventory, toInventory, '/reserve');
    child(inventory, reserve, 'UPDATE stock', SpanKind.CLIENT, {
      'db.system.name': 'postgresql',
      'db.query.text': 'UPDATE stock SET qty = qty - 1 WHERE sku = $1',
      'server.address': '127.0.0.1',
      'server.port': 5432,
    }).end();
    child(inventory, reserve, 'INSERT holds', SpanKind.CLIENT, {
      'db.system': 'mariadb',
      'db.statement': 'INSERT INTO holds (sku) VALUES (?)',
      'net.peer.name': '127.0.0.1',
      'net.peer.port': 3306,
    }).end();
    // A host name that is markup: it must stay text in the table, the panel and the tooltips.
    child(inventory, reserve, 'GET', SpanKind.CLIENT, httpCall(HOSTILE_HOST, 81)).end();
    reserve.end();
    toInventory.end();
    // An external payment API that fails every other call.
    const pay = child(storefront, root, 'POST', SpanKind.CLIENT, httpCall('api.payments.example', 443));
    if (i % 2 === 0) pay.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
    pay.end();
    root.end();
  }
  // The callees export first (as their spans end first), the caller last: separate requests, separate inserts.
  for (const s of [catalog, inventory, storefront]) await s.flush();
  await Promise.all([storefront, catalog, inventory].map((s) => s.shutdown()));
}

async function openPage(locale: string, query: string, as: SessionClient = owner): Promise<Page> {
  const page = await (await browser.newContext({ locale, viewport: { width: 1400, height: 1000 } })).newPage();
  await page.context().addCookies([...as.cookies].map(([name, value]) => ({ name, value, url: base })));
  await page.goto(`${base}/map?tenant=${slug}${query}`);
  await page.getByTestId('service-map-chart').locator('canvas').waitFor({ timeout: 30_000 });
  return page;
}

describe('web UI: service map', () => {
  it('draws services, databases and external hosts with the calls between them; a node or an arrow opens its figures and links', async () => {
    await sendCallChain();
    const edgeNames = (m: { edges: Array<{ source: string; target: string; resolvedBy: string }> }) =>
      m.edges.map((e) => `${e.source} → ${e.target} (${e.resolvedBy})`).sort();
    const expected = [
      'service:catalog → database:postgresql:127.0.0.1:5432 (target)',
      'service:inventory → database:mariadb:127.0.0.1:3306 (target)',
      'service:inventory → database:postgresql:127.0.0.1:5432 (target)',
      'service:storefront → external:api.payments.example:443 (target)',
      'service:storefront → service:catalog (trace)',
      'service:storefront → service:inventory (trace)',
      `service:inventory → external:${HOSTILE_HOST}:81 (target)`,
    ].sort();
    const map = await until(
      'the service map to show every call',
      async () => {
        const m = await owner.call('serviceMap', { params: { tenant: slug }, query: { last: '15m' } });
        // Each view of an insert is written on its own: wait for the transactions too, not only the calls.
        const services = m.nodes.filter((n) => n.kind === 'service');
        return edgeNames(m).join('\n') === expected.join('\n') && services.length === 3 && services.every((n) => n.figures?.count === REQUESTS) && m;
      },
      60_000,
    );
    const edge = (source: string, target: string) => map.edges.find((e) => e.source === source && e.target === target)!;
    expect(edge('service:storefront', 'service:catalog').figures).toMatchObject({ count: REQUESTS, errors: 0 });
    expect(edge('service:storefront', 'external:api.payments.example:443').figures).toMatchObject({ count: REQUESTS, errors: REQUESTS / 2, errorRate: 0.5 });
    expect(map.nodes.find((n) => n.id === 'external:api.payments.example:443')?.health).toBe('critical');
    expect(map.nodes.find((n) => n.id === 'service:catalog')).toMatchObject({ kind: 'service', figures: { count: REQUESTS, errors: 0 }, health: 'ok' });
    // Both services' database calls land on the one PostgreSQL node.
    expect(map.nodes.find((n) => n.id === 'database:postgresql:127.0.0.1:5432')).toMatchObject({ kind: 'database', figures: { count: 2 * REQUESTS } });
    expect(map.nodes).toHaveLength(7);
    // A viewer reads the same map.
    expect(edgeNames(await viewer.call('serviceMap', { params: { tenant: slug }, query: { last: '15m' } }))).toEqual(expected);

    // The page: the graph and every call as a row.
    const page = await openPage('en-US', '');
    const rows = page.getByTestId('service-map-edges').locator('tbody tr');
    await rows.nth(expected.length - 1).waitFor();
    expect(await rows.count()).toBe(expected.length);
    expect(await page.getByTestId('service-map-edges').textContent()).toMatch(/storefront\s*api\.payments\.example:443.*50%/);
    // Markup in a host name is text: shown literally, never run.
    expect(await page.getByTestId('service-map-edges').textContent()).toContain(`${HOSTILE_HOST}:81`);
    expect(await page.title()).not.toBe('pwned');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'service-map.png'), fullPage: true });

    // An arrow (its row): the calls' figures and the callee's hitmap; the URL holds the selection.
    await rows.filter({ hasText: 'catalog' }).filter({ hasText: 'storefront' }).getByRole('button', { name: 'catalog' }).click();
    const edgePanel = page.getByTestId('service-map-edge');
    await edgePanel.waitFor();
    expect(page.url()).toContain('caller=service%3Astorefront');
    expect(page.url()).toContain('callee=service%3Acatalog');
    expect(await edgePanel.textContent()).toMatch(/storefront → catalog[\s\S]*0%[\s\S]*found by trace/);
    expect(await edgePanel.getByRole('link', { name: 'Hitmap of catalog' }).getAttribute('href')).toMatch(/^\/hitmap\?tenant=[^&]+&.*service=catalog/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'service-map-edge.png'), fullPage: true });

    // A node from a shared link, opened by a viewer: its RED figures and links to its hitmap and traces.
    const nodePage = await openPage('en-US', '&node=service%3Acatalog', viewer);
    const nodePanel = nodePage.getByTestId('service-map-node');
    await nodePanel.waitFor();
    expect(await nodePanel.textContent()).toMatch(/catalog[\s\S]*Service · healthy[\s\S]*Transactions[\s\S]*Error rate0%[\s\S]*Apdex1/);
    expect(await nodePanel.getByRole('link', { name: 'Traces of catalog' }).getAttribute('href')).toContain('service=catalog');
    expect(await nodePanel.textContent()).toContain('postgresql 127.0.0.1:5432');
    await nodePage.screenshot({ path: join(ARTIFACTS_DIR, 'service-map-node.png'), fullPage: true });

    // A click on the canvas where the selected node is drawn keeps it; on empty canvas clears the selection.
    const canvas = nodePage.getByTestId('service-map-chart');
    const box = (await canvas.boundingBox())!;
    await nodePage.mouse.click(box.x + 5, box.y + 5);
    await nodePage.getByText('Click a node for its RED figures').waitFor();
    expect(nodePage.url()).not.toContain('node=');

    // Japanese.
    const ja = await openPage('ja-JP', '&node=database%3Apostgresql%3A127.0.0.1%3A5432');
    await ja.getByRole('heading', { name: 'サービスマップ' }).waitFor();
    expect(await ja.getByTestId('service-map-node').textContent()).toMatch(/データベース[\s\S]*このノードへの呼び出し/);
    await ja.screenshot({ path: join(ARTIFACTS_DIR, 'service-map-ja.png'), fullPage: true });
  });
});
