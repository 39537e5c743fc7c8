import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, startTenantFixture, type TenantFixture } from '@meridian/testing';
import { until } from './support/until';

/**
 * The servers pages in a real browser against the real server: the Collector's hostmetrics
 * output (e2e/fixtures/otlp-infra/hostmetrics.json: web-1 and db-1, processes included) sent
 * through intake as six scrapes a minute apart with the cumulative counters advancing, plus a
 * host that stopped reporting 20 minutes ago and a traced service on web-1. The overview draws
 * the tiles (canvas) and the sortable list; the server page its charts, filesystems, top
 * processes, services with their hitmap, and the "alert on this" link.
 */
jest.setTimeout(300_000);

type JsonValue = { stringValue?: string; intValue?: string };
type JsonAttr = { key: string; value: JsonValue };
type JsonPoint = { attributes: JsonAttr[]; timeUnixNano: string; startTimeUnixNano?: string; asInt?: string; asDouble?: number };
type JsonMetric = { name: string; gauge?: { dataPoints: JsonPoint[] }; sum?: { dataPoints: JsonPoint[] } };
type JsonRequest = { resourceMetrics: Array<{ resource: { attributes: JsonAttr[] }; scopeMetrics: Array<{ metrics: JsonMetric[] }> }> };

const FIXTURE = join(__dirname, 'fixtures/otlp-infra/hostmetrics.json');
const MIN_NS = 60_000_000_000n;
/** CPU seconds per second each state gains per cpu: web-1 is 60 % busy, db-1 10 %. */
const CPU_SHARES: Record<string, Record<string, number>> = { 'web-1': { idle: 0.4, user: 0.45, system: 0.15 }, 'db-1': { idle: 0.9, user: 0.1 } };
/** Cores each process keeps busy (user state). */
const PROCESS_CORES: Record<string, number> = { node: 0.5, nginx: 0.1, postgres: 0.2 };

let fx: TenantFixture;
let browser: Browser;

beforeAll(async () => {
  buildWebUi();
  fx = await startTenantFixture('servers');
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await fx?.meridian.stop();
});

const attr = (attrs: JsonAttr[], key: string) => attrs.find((a) => a.key === key)?.value;

/** The fixture as scraped `minutesAgo` minutes before `nowNs`, its cumulative counters `k` minutes on from the fixture's. */
function scrape(nowNs: bigint, minutesAgo: number, k: number, hosts: readonly string[], rename?: [string, string]): JsonRequest {
  const req = JSON.parse(readFileSync(FIXTURE, 'utf8')) as JsonRequest;
  const ts = nowNs - BigInt(minutesAgo) * MIN_NS;
  req.resourceMetrics = req.resourceMetrics.filter((rm) => hosts.includes(attr(rm.resource.attributes, 'host.name')?.stringValue ?? ''));
  for (const rm of req.resourceMetrics) {
    const host = attr(rm.resource.attributes, 'host.name')!.stringValue!;
    const exe = attr(rm.resource.attributes, 'process.executable.name')?.stringValue;
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        for (const p of (m.gauge ?? m.sum)!.dataPoints) {
          p.timeUnixNano = String(ts);
          if (p.startTimeUnixNano) p.startTimeUnixNano = String(ts - BigInt(k + 60) * MIN_NS);
          const state = attr(p.attributes, 'state')?.stringValue ?? '';
          let gain = 0;
          if (m.name === 'system.cpu.time') gain = 60 * (CPU_SHARES[host]?.[state] ?? 0);
          if (m.name === 'system.network.io') gain = 60 * 5_000; // 5 kB/s each way
          if (m.name === 'process.cpu.time' && state === 'user' && exe) gain = 60 * (PROCESS_CORES[exe] ?? 0);
          if (p.asDouble !== undefined && m.sum) p.asDouble += k * gain;
          else if (p.asInt !== undefined && gain) p.asInt = String(BigInt(p.asInt) + BigInt(Math.round(k * gain)));
        }
    if (rename) {
      const name = attr(rm.resource.attributes, 'host.name')!;
      name.stringValue = rename[1];
      attr(rm.resource.attributes, 'deployment.environment')!.stringValue = 'staging';
    }
  }
  return req;
}

async function send(body: JsonRequest): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${fx.meridian.ports.http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.ingestKey}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function sendFleet(): Promise<void> {
  // One clock for every scrape: exactly a minute apart, so the rates are exact.
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  for (let k = 0; k < 6; k++) await send(scrape(nowNs, 6 - k, k, ['web-1', 'db-1']));
  // old-1 (a copy of db-1 in staging) reported twice, 21 and 20 minutes ago: down.
  for (let k = 0; k < 2; k++) await send(scrape(nowNs, 21 - k, k, ['db-1'], ['db-1', 'old-1']));
  // A traced service on web-1: the server page links it and its hitmap.
  const sdk = sdkTelemetry({
    protocol: 'http/protobuf',
    httpPort: fx.meridian.ports.http,
    grpcPort: fx.meridian.ports.grpc,
    key: fx.ingestKey,
    serviceName: 'storefront',
    resource: { 'host.name': 'web-1' },
  });
  sdk.tracer.startSpan('GET /cart').end();
  await sdk.flush();
  await sdk.shutdown();
}

async function openPage(locale: string, path: string): Promise<Page> {
  const page = await (await browser.newContext({ locale, viewport: { width: 1500, height: 1000 } })).newPage();
  await page.context().addCookies([...fx.owner.cookies].map(([name, value]) => ({ name, value, url: fx.base })));
  await page.goto(`${fx.base}${path}`);
  return page;
}

const listHosts = (page: Page) =>
  page.locator('[data-testid="servers-list"] [role="row"][data-host]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')));

describe('web UI: servers', () => {
  beforeAll(async () => {
    await sendFleet();
    // The rollups are filled at insert; wait until the API sees all three hosts and the traced service.
    await until(
      'hosts in the API',
      async () => {
        const r = await fx.owner.call('hosts', { params: { tenant: fx.slug }, query: { last: '1h' } });
        return r.hosts.length === 3 && r.hosts.find((h) => h.host === 'web-1')?.cpu !== null;
      },
      60_000,
    );
    await until(
      'spans of web-1',
      async () => {
        const r = await fx.owner.call('hostServices', { params: { tenant: fx.slug, host: 'web-1' }, query: { last: '1h' } });
        return r.services.length > 0;
      },
      60_000,
    );
  });

  it('shows every host as a tile and in a sortable list, grouped by environment, with the silent host down', async () => {
    const page = await openPage('en-US', `/servers?tenant=${fx.slug}`);
    await page.getByTestId('servers-list').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('servers-count').textContent()).toBe('3 servers, 1 down');
    // Busiest first: web-1 (60 %), db-1 (10 %), then old-1 (down, no figures).
    expect(await listHosts(page)).toEqual(['web-1', 'db-1', 'old-1']);
    const row = (host: string) => page.locator(`[role="row"][data-host="${host}"] [role="cell"]`).allTextContents();
    const web = await row('web-1');
    expect(web[1]).toBe('60%');
    expect(web[4]).toBe('9.8 KB/s'); // 5 kB/s each way
    expect((await row('db-1'))[1]).toBe('10%');
    expect((await row('old-1'))[0]).toContain('down');
    expect((await row('old-1'))[1]).toBe('–');

    // Tiles: one canvas per environment, busiest tile first, amber for 60 % CPU, grey for the down host.
    const canvases = page.getByTestId('servers-canvas');
    expect(await page.locator('[data-group]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-group')))).toEqual(['production', 'staging']);
    expect(await canvases.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-hosts')))).toEqual(['2', '1']);
    const pixel = (i: number) =>
      canvases.nth(i).evaluate((c) => {
        const data = (c as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: number[] } } })
          .getContext('2d')
          .getImageData(4, 4, 1, 1).data;
        return [data[0], data[1], data[2]];
      });
    expect(await pixel(0)).toEqual([249, 168, 37]);
    expect(await pixel(1)).toEqual([66, 66, 66]);
    await canvases.nth(0).hover({ position: { x: 5, y: 5 } });
    expect(await page.getByTestId('servers-hover').textContent()).toMatch(/^web-1.*CPU 60%/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'servers.png'), fullPage: true });

    // Sort by name, then descending; the order is in the URL.
    await page.locator('button[data-sort="host"]').click();
    await until('sorted by host', async () => (await listHosts(page)).join() === 'db-1,old-1,web-1');
    expect(page.url()).toMatch(/sort=host&dir=asc/);
    await page.locator('button[data-sort="host"]').click();
    await until('sorted by host descending', async () => (await listHosts(page)).join() === 'web-1,old-1,db-1');
    expect(page.url()).not.toContain('dir='); // descending is the default

    // Colour by disk: web-1's root is half full (amber), db-1's 85 % (orange); no grouping: one canvas.
    await page.getByTestId('servers-colour').getByRole('button', { name: 'Disk' }).click();
    await page.waitForURL(/colour=disk/);
    await page.getByTestId('servers-group').selectOption('');
    await until('one group', async () => (await canvases.count()) === 1);
    expect(page.url()).toMatch(/colour=disk.*group=-/);
    expect(await canvases.first().getAttribute('data-hosts')).toBe('3');
    expect(await pixel(0)).toEqual([239, 108, 0]);

    // The URL restores the view.
    await page.reload();
    await page.getByTestId('servers-list').waitFor();
    expect(await canvases.count()).toBe(1);
    expect(await listHosts(page)).toEqual(['web-1', 'old-1', 'db-1']);
  });

  it('opens a server: charts, filesystems, top processes, services with their hitmap, alert on this', async () => {
    const page = await openPage('en-US', `/servers?tenant=${fx.slug}`);
    await page.getByTestId('servers-list').getByRole('link', { name: 'web-1' }).click();
    await page.getByTestId('server-page').waitFor({ timeout: 30_000 });
    expect(page.url()).toContain('host=web-1');
    expect(await page.locator('h1').textContent()).toBe('web-1');
    expect(await page.getByTestId('server-cpu').getAttribute('data-lines')).toMatch(/idle.*user|user.*idle/);
    expect((await page.getByTestId('server-memory').getAttribute('data-lines'))!.split('|')).toContain('used');
    expect(await page.getByTestId('server-load').getAttribute('data-lines')).toBe('1m|5m|15m');
    expect(await page.getByTestId('server-network').getAttribute('data-lines')).toMatch(/receive/);
    expect(await page.getByTestId('server-filesystems').locator('tbody tr').first().textContent()).toMatch(/^\/.*50\.5%$/);

    const processes = page.getByTestId('server-processes-cpu').locator('tbody tr');
    await processes.first().waitFor({ timeout: 30_000 });
    expect(await processes.first().textContent()).toMatch(/^4242node.*0\.5/);
    expect(await page.getByTestId('server-processes-memory').locator('tbody tr').first().textContent()).toMatch(/^4242node/);

    const services = page.getByTestId('server-services');
    await services.locator('tbody tr').first().waitFor({ timeout: 30_000 });
    expect(await services.locator('tbody tr').first().textContent()).toMatch(/^storefront1/);
    expect(await services.getByRole('link', { name: 'Hitmap' }).getAttribute('href')).toMatch(/^\/hitmap\?.*service=storefront/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'server.png'), fullPage: true });

    // A click on a chart picks a moment: the processes are those before it.
    const cpu = page.getByTestId('server-cpu');
    const box = (await cpu.boundingBox())!;
    await page.mouse.click(box.x + box.width - 30, box.y + box.height / 2);
    await page.getByTestId('server-moment').waitFor();
    expect(page.url()).toMatch(/at=\d+/);

    // Alert on this: the rule editor, prefilled with a metric rule on this host's CPU.
    const alert = page.getByTestId('server-alert');
    const href = (await alert.getAttribute('href'))!;
    expect(href).toMatch(/^\/alerts\/rule\?/);
    const params = new URLSearchParams(href.split('?')[1]);
    expect(Object.fromEntries(params)).toMatchObject({
      metric: 'metric',
      metricName: 'system.cpu.utilization',
      host: 'web-1',
      attributes: 'state=idle',
      direction: 'below',
    });
    await alert.click();
    await page.waitForURL(/\/alerts\/rule/);
    await page.locator('input[value="system.cpu.utilization"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('input[value="web-1"]').count()).toBe(1);
  });

  it('speaks Japanese, and a host without data says so', async () => {
    const page = await openPage('ja-JP', `/servers?tenant=${fx.slug}`);
    await page.getByTestId('servers-list').waitFor({ timeout: 30_000 });
    expect(await page.locator('h1').textContent()).toBe('サーバー');
    expect(await page.getByTestId('servers-count').textContent()).toBe('3 台（ダウン 1 台）');
    expect(await page.locator('[role="row"][data-host="old-1"]').textContent()).toContain('ダウン');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'servers-ja.png'), fullPage: true });
    await page.goto(`${fx.base}/servers/host?tenant=${fx.slug}&host=nowhere`);
    await page.getByText('このサーバーはこの期間に何も送っていません').waitFor({ timeout: 30_000 });
  });
});
