import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parseTarget, snapshotToResourceMetrics, type DbSnapshot } from '@meridian/collector';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * The metrics explorer in a real browser against the real server: metrics sent by the real
 * OpenTelemetry SDK (a counter, a histogram and an exponential histogram) and by Meridian's database collector (through
 * the real OTLP exporter) are listed; picking one, grouping it by an attribute and filtering
 * draws one line per value, and the page's URL opens the same view again.
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
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('metrics'));
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** One poll of a PostgreSQL instance as Meridian's collector reports it. */
function snapshot(): DbSnapshot {
  return {
    target: parseTarget({ url: 'postgres://mon@10.0.0.1:5432/shop', cluster: 'orders' }),
    system: 'postgresql',
    version: '16.4',
    takenAtMs: Date.now(),
    up: true,
    readings: [],
    sessionsByState: { active: 3, idle: 5, waiting: 1 },
    maxConnections: 100,
    lockWaits: 0,
    sessions: [],
    blocking: [],
    statements: [],
  };
}

async function sendMetrics(): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${meridian.ports.http}/v1/metrics`, headers: { authorization: `Bearer ${ingestKey}` } });
  await new Promise<void>((resolve, reject) =>
    exporter.export(snapshotToResourceMetrics(snapshot(), Date.now() - 60_000), (r) => (r.code === 0 ? resolve() : reject(r.error))),
  );
  await exporter.shutdown();

  const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: meridian.ports.http, grpcPort: meridian.ports.grpc, key: ingestKey, serviceName: 'shop' });
  const orders = sdk.meter.createCounter('shop.orders', { unit: '{orders}', description: 'Orders placed.' });
  const latency = sdk.meter.createHistogram('shop.checkout.duration', { unit: 'ms' });
  // Two exports of the cumulative counter: the explorer differences them per series.
  orders.add(30, { route: '/a' });
  orders.add(6, { route: '/b' });
  for (const ms of [20, 40, 60, 80, 900]) latency.record(ms, { route: '/a' });
  await sdk.flush();
  orders.add(30, { route: '/a' });
  orders.add(6, { route: '/b' });
  await sdk.flush();
  await sdk.shutdown();
}

/**
 * An exponential histogram from the real SDK (a view picks base-2 exponential buckets), cumulative,
 * exported twice: 20, 40, 60, 80 and 900 ms, then five 0.01 ms that widen the range so the SDK
 * lowers its scale between the two exports.
 */
async function sendExponentialHistogram(): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${meridian.ports.http}/v1/metrics`, headers: { authorization: `Bearer ${ingestKey}` } });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    readers: [reader],
    views: [{ instrumentName: 'shop.payment.duration', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const payment = provider.getMeter('meridian-e2e').createHistogram('shop.payment.duration', { unit: 'ms' });
  for (const ms of [20, 40, 60, 80, 900]) payment.record(ms);
  await reader.forceFlush();
  for (let i = 0; i < 5; i++) payment.record(0.01);
  await reader.forceFlush();
  await provider.shutdown();
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Line name → the row's figures, from the lines table under the chart. */
async function lineRows(page: Page): Promise<Record<string, string>> {
  await page.getByTestId('metric-lines').waitFor({ timeout: 15_000 });
  const rows = page.getByTestId('metric-lines').locator('tbody tr');
  const out: Record<string, string> = {};
  for (let i = 0; i < (await rows.count()); i++) {
    const [name, ...figures] = (await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim());
    out[name] = figures.join(' | ');
  }
  return out;
}

describe('web UI: metrics explorer', () => {
  it('lists SDK and collector metrics, groups and filters them into lines, and the URL reproduces the view', async () => {
    await sendMetrics();
    await sendExponentialHistogram();
    await until('the metrics to be stored', async () => {
      const { metrics } = await owner.call('metricNames', { params: { tenant: slug }, query: { last: '15m' } });
      const names = metrics.map((m) => m.name);
      return ['shop.orders', 'shop.checkout.duration', 'shop.payment.duration', 'meridian.db.sessions'].every((n) => names.includes(n)) ? names : undefined;
    });

    const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } })).newPage();
    await page.context().addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
    await page.goto(`${base}/metrics-explorer?tenant=${slug}&last=15m`);

    // The list shows type and unit; the search narrows it.
    const list = page.getByTestId('metric-list');
    await list.getByText('shop.orders', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await list.locator('li', { hasText: 'shop.orders' }).textContent()).toMatch(/sum · \{orders\}/);
    await page.getByLabel('Search metrics').fill('SESSIONS');
    expect(await list.locator('li').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^meridian\.db\.sessions/)]));
    expect(await list.getByText('shop.orders', { exact: true }).count()).toBe(0);

    // The collector's sessions gauge, one line per state.
    await list.getByText('meridian.db.sessions', { exact: true }).click();
    await page.getByTestId('metric-group-by').selectOption('state');
    await page.waitForURL(/by=state/);
    await until('one line per state', async () => {
      const rows = await lineRows(page);
      return Object.keys(rows).sort().join() === 'active,idle,waiting' ? rows : undefined;
    });
    const sessions = await lineRows(page);
    expect(sessions.active).toMatch(/^3 \{sessions\}/);
    expect(sessions.idle).toMatch(/^5 \{sessions\}/);
    expect(sessions.waiting).toMatch(/^1 \{sessions\}/);
    expect(await page.getByTestId('metric-source').textContent()).toMatch(/Average · Step 1 minute · from the per-minute rollup/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'metrics-db-sessions.png'), fullPage: true });

    // A filter on the attribute: idle sessions drop out.
    await page.getByLabel('Attribute', { exact: true }).selectOption('state');
    await page.getByLabel('Operator').selectOption('!=');
    await page.getByLabel('Value', { exact: true }).fill('idle');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForURL(/filter=state%21%3Didle/);
    await until('the idle line to go', async () => {
      const rows = await lineRows(page);
      return Object.keys(rows).sort().join() === 'active,waiting' ? rows : undefined;
    });

    // The SDK's counter: a rate per route (the default for a monotonic sum), from the raw points.
    await page.getByLabel('Search metrics').fill('');
    await list.getByText('shop.orders', { exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('metric') === 'shop.orders' && !u.searchParams.has('filter'));
    await page.getByTestId('metric-group-by').selectOption('route');
    await page.waitForURL(/by=route/);
    const orders = await until('one line per route', async () => {
      const rows = await lineRows(page);
      return Object.keys(rows).sort().join() === '/a,/b' ? rows : undefined;
    });
    expect(orders['/a']).toMatch(/\{orders\}\/s/);
    expect(await page.getByTestId('metric-agg').getByRole('button', { pressed: true }).textContent()).toBe('Rate /s');
    expect(await page.getByTestId('metric-source').textContent()).toMatch(/from the stored points/);
    // The API's figures behind the lines: rate × seconds of each step gives back every order, counted once.
    const api = await owner.call('metricSeries', { params: { tenant: slug }, query: { last: '15m', name: 'shop.orders', groupBy: 'route', step: 60 } });
    const total = (group: string) => api.lines.find((l) => l.group === group)!.values.reduce<number>((a, v, i) => a + (v ?? 0) * covered(api, i), 0);
    expect(total('/a')).toBeCloseTo(60, 6);
    expect(total('/b')).toBeCloseTo(12, 6);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'metrics-counter-rate.png'), fullPage: true });

    // The URL alone opens the same view.
    const again = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } })).newPage();
    await again.context().addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
    await again.goto(page.url());
    expect(Object.keys(await lineRows(again)).sort()).toEqual(['/a', '/b']);
    expect(await again.getByTestId('metric-group-by').inputValue()).toBe('route');

    // The histogram's p95 per route, in Japanese.
    const ja = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 1400, height: 1000 } })).newPage();
    await ja.context().addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
    await ja.goto(`${base}/metrics-explorer?tenant=${slug}&last=15m&metric=shop.checkout.duration&by=route`);
    await ja.getByRole('heading', { name: 'メトリクス' }).waitFor();
    const latency = await lineRows(ja);
    expect(Object.keys(latency)).toEqual(['/a']);
    // [20, 40, 60, 80, 900] ms in the SDK's default buckets: rank 4.75 of 5 lies in (750, 1000].
    expect(latency['/a']).toMatch(/^937\.5 ms/);
    expect(await ja.getByTestId('metric-agg').getByRole('button', { pressed: true }).textContent()).toBe('p95');
    await ja.screenshot({ path: join(ARTIFACTS_DIR, 'metrics-histogram-ja.png'), fullPage: true });

    // The SDK's exponential histogram: p95 by default. Both exports read at the coarser scale (3),
    // the second differenced from the first although the SDK changed its scale: 10 observations in
    // all, and the step holding 900 ms answers inside its bucket (2^9.75, 2^9.875] = (861.0, 939.0].
    const exp = await owner.call('metricSeries', { params: { tenant: slug }, query: { last: '15m', name: 'shop.payment.duration', step: 60 } });
    expect(exp.metric?.type).toBe('EXP_HISTOGRAM');
    expect(exp.aggregation).toBe('p95');
    const p95 = Math.max(...exp.lines[0].values.map((v) => v ?? -Infinity));
    expect(p95).toBeGreaterThan(861);
    expect(p95).toBeLessThanOrEqual(939.1);
    const rate = await owner.call('metricSeries', { params: { tenant: slug }, query: { last: '15m', name: 'shop.payment.duration', step: 60, agg: 'rate' } });
    expect(rate.lines[0].values.reduce<number>((a, v, i) => a + (v ?? 0) * covered(rate, i), 0)).toBeCloseTo(10, 6);
    await page.goto(`${base}/metrics-explorer?tenant=${slug}&last=15m&metric=shop.payment.duration`);
    await page.getByTestId('metric-lines').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('metric-agg').getByRole('button', { pressed: true }).textContent()).toBe('p95');
  });
});

/** Seconds of step i that the window covers (the last step ends at `to`). */
function covered(s: { to: string; times: number[]; stepSeconds: number }, i: number): number {
  return (Math.min(s.times[i] + s.stepSeconds * 1000, Date.parse(s.to)) - s.times[i]) / 1000;
}
