import { SpanKind, context as otelContext, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parseTarget, snapshotToResourceMetrics, type DbSnapshot } from '@meridian/collector';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * The DBA's path through the web UI in a real browser against the real server: the honeycomb
 * shows one hexagon per database instance, coloured by the chosen health metric and its
 * thresholds (collector metrics sent with the real OTLP exporter, plus an instance known only
 * from a client span); hover shows its figures; a click opens the instance with its blocking chain.
 */
jest.setTimeout(240_000);

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('dba'));
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** What Meridian's collector would report for an instance, with the given active sessions (or down). */
function snapshot(url: string, cluster: string, active: number | 'down'): DbSnapshot {
  const target = parseTarget({ url, cluster });
  const system = target.kind;
  if (active === 'down')
    return {
      target,
      system,
      version: '',
      takenAtMs: Date.now(),
      up: false,
      error: 'connect ECONNREFUSED',
      readings: [],
      sessionsByState: {},
      maxConnections: 0,
      lockWaits: 0,
      sessions: [],
      blocking: [],
      statements: [],
    };
  return {
    target,
    system,
    version: '16.4',
    takenAtMs: Date.now(),
    up: true,
    readings: [],
    sessionsByState: { active, idle: 5, waiting: 1 },
    maxConnections: 100,
    lockWaits: 1,
    sessions: [
      {
        id: '201',
        user: 'app',
        database: 'shop',
        state: 'idle in transaction',
        waitEvent: '',
        seconds: 4,
        query: 'UPDATE stock SET qty = qty - ? WHERE sku = ?',
        blockedBy: [],
      },
      {
        id: '202',
        user: 'app',
        database: 'shop',
        state: 'waiting',
        waitEvent: 'Lock:transactionid',
        seconds: 3,
        query: 'UPDATE stock SET reserved = reserved + ? WHERE sku = ?',
        blockedBy: ['201'],
      },
    ],
    blocking: [
      {
        blockedId: '202',
        blockingId: '201',
        blockedQuery: 'UPDATE stock SET reserved = reserved + ? WHERE sku = ?',
        blockingQuery: 'UPDATE stock SET qty = qty - ? WHERE sku = ?',
        waitSeconds: 3,
        lockType: 'transactionid',
        lockMode: 'ShareLock',
        relation: 'stock',
      },
    ],
    statements: [],
  };
}

async function sendInstances(): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${meridian.ports.http}/v1/metrics`, headers: { authorization: `Bearer ${ingestKey}` } });
  const snapshots = [
    snapshot('postgres://mon@10.0.0.1:5432/shop', 'orders', 30),
    snapshot('postgres://mon@10.0.0.2:5432/shop', 'orders', 12),
    snapshot('mysql://mon@10.0.0.3:3306/shop', 'shop', 2),
    snapshot('postgres://mon@10.0.0.4:5432/shop', '', 'down'),
  ];
  for (const s of snapshots) {
    await new Promise<void>((resolve, reject) =>
      exporter.export(snapshotToResourceMetrics(s, Date.now() - 60_000), (r) => (r.code === 0 ? resolve() : reject(r.error))),
    );
  }
  await exporter.shutdown();
  // An instance only a client span knows (no server metrics): its level is "no figure".
  const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: meridian.ports.http, grpcPort: meridian.ports.grpc, key: ingestKey, serviceName: 'reports' });
  const root = sdk.tracer.startSpan('GET /reports', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/reports' } });
  const ctx = trace.setSpan(otelContext.active(), root);
  sdk.tracer
    .startSpan(
      'SELECT reports',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM reports WHERE id = 7', 'net.peer.name': 'reports-db', 'net.peer.port': 5432 },
      },
      ctx,
    )
    .end();
  root.end();
  await sdk.flush();
  await sdk.shutdown();
}

describe('web UI: honeycomb of database instances', () => {
  it('draws one hexagon per instance in the colour of its level, recolours with the thresholds, and opens an instance', async () => {
    await sendInstances();
    const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } })).newPage();
    await page.context().addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
    await page.goto(`${base}/databases?tenant=${slug}`);

    const hexes = page.locator('[data-testid="honeycomb"] g.hex');
    const levels = async () =>
      Object.fromEntries(await hexes.evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-instance'), g.getAttribute('class')?.match(/\bhex-(\w+)/)?.[1]])));
    await hexes.nth(4).waitFor({ timeout: 30_000 });
    expect(await hexes.count()).toBe(5);
    expect(await levels()).toEqual({
      '10.0.0.1:5432': 'critical',
      '10.0.0.2:5432': 'warning',
      '10.0.0.3:3306': 'ok',
      '10.0.0.4:5432': 'down',
      'reports-db:5432': 'unknown',
    });
    // The colour comes from the level's class.
    expect(
      await page
        .locator('g.hex-critical polygon')
        .evaluate((p) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(p).fill),
    ).toBe('rgb(198, 40, 40)');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'honeycomb.png'), fullPage: true });

    // A higher critical threshold turns the busiest instance from critical to warning.
    await page.getByLabel('Critical at').fill('40');
    await page.locator('[data-instance="10.0.0.1:5432"][data-level="warning"]').waitFor();
    expect((await levels())['10.0.0.1:5432']).toBe('warning');

    // Hover: the instance's figures.
    await page.locator('[data-instance="10.0.0.1:5432"] polygon').hover();
    const card = page.getByTestId('honeycomb-hover');
    await card.waitFor();
    expect(await card.textContent()).toMatch(/10\.0\.0\.1:5432[\s\S]*orders[\s\S]*Active sessions31/);

    // Click: the instance page with its sessions and blocking chain.
    await page.locator('[data-instance="10.0.0.1:5432"] polygon').click();
    await page.getByTestId('db-instance').waitFor({ timeout: 15_000 });
    expect(page.url()).toContain('instance=10.0.0.1%3A5432');
    const chains = await page.getByTestId('db-chains').textContent();
    expect(chains).toMatch(/#201.*holds the lock.*UPDATE stock SET qty = qty - \? WHERE sku = \?/);
    expect(chains).toMatch(/#202.*waits 3(\.00)? s for ShareLock on stock/);
    expect(await page.getByTestId('db-sessions').locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'db-instance.png'), fullPage: true });
  });
});
