import { context as otelContext, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { hitmapRow } from '@meridian/domain';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * The SRE's path through the web UI, in a real browser against the real server with spans from
 * the real OpenTelemetry SDK: live hitmap with cells → drag a rectangle over a known slow
 * transaction → its endpoint in the selection panel → the transaction in the list → its trace
 * with the SQL step. Also: live updates without reload, the link reproducing the view, and
 * the services page linking back into the hitmap.
 */
jest.setTimeout(240_000);

const SLOW_MS = 3_200;
const SLOW_SQL = "SELECT * FROM reports WHERE id = 42 AND status IN ('new', 'done')";
const SLOW_FINGERPRINT = 'SELECT * FROM reports WHERE id = ? AND status IN (?)';

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('sre'));
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

/** Sends transactions with the OTel SDK: `fast` quick ones (some failing) and the slow one with its SQL child. */
async function sendTraffic(fast: number, slowEndMs: number): Promise<string> {
  const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: meridian.ports.http, grpcPort: meridian.ports.grpc, key: ingestKey, serviceName: 'shop-api', resource: { 'host.name': 'web-1' } });
  const now = Date.now();
  for (let i = 0; i < fast; i++) {
    // Ending within the last minute: what a live poll re-reads.
    const end = now - 2_000 - ((i * 4_700) % 45_000);
    const dur = 40 + ((i * 37) % 400);
    const span = sdk.tracer.startSpan('GET /products', { kind: SpanKind.SERVER, startTime: hr(end - dur), attributes: { 'http.request.method': 'GET', 'http.route': '/products', 'http.response.status_code': i % 9 === 0 ? 500 : 200 } });
    if (i % 9 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    span.end(hr(end));
  }
  const start = slowEndMs - SLOW_MS;
  const root = sdk.tracer.startSpan('GET /reports/{id}', { kind: SpanKind.SERVER, startTime: hr(start), attributes: { 'http.request.method': 'GET', 'http.route': '/reports/{id}', 'url.path': '/reports/42', 'http.response.status_code': 200 } });
  const ctx = trace.setSpan(otelContext.active(), root);
  const sql = sdk.tracer.startSpan('SELECT reports', { kind: SpanKind.CLIENT, startTime: hr(start + 15), attributes: { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': SLOW_SQL, 'net.peer.name': 'reports-db', 'net.peer.port': 5432 } }, ctx);
  sql.end(hr(start + 3_015));
  root.end(hr(slowEndMs));
  await sdk.flush();
  await sdk.shutdown();
  return root.spanContext().traceId;
}

async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function signedInPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  const page = await context.newPage();
  // The CSP has no 'unsafe-inline': every inline script the export writes must match a hash the server sends.
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (e) => {
    if (/Content Security Policy/i.test(e.message)) cspViolations.push(`${page.url()}: ${e.message}`);
  });
  return page;
}
const cspViolations: string[] = [];

/** Total transactions the hitmap's summary line reports. */
async function summaryCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('hitmap-summary').textContent()) ?? '';
  const m = /([\d,]+) transactions/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}

describe('web UI: hitmap drill-down to a trace', () => {
  let slowTraceId: string;
  let slowEndMs: number;

  it('shows the live hitmap, drag-selects the slow transaction, lists it and opens its trace with the SQL step', async () => {
    // Before any data: the empty state says what to do.
    const page = await signedInPage();
    await page.goto(`${base}/hitmap?tenant=${slug}`);
    await page.getByText('No transactions yet').waitFor({ timeout: 15_000 });
    const chart = page.getByTestId('hitmap-chart');
    expect(await chart.getAttribute('data-cells')).toBe('0');

    // Live: transactions sent now appear without a reload, and the x range slides with the clock.
    const xMaxBefore = Number(await chart.getAttribute('data-x-max'));
    slowEndMs = Date.now() - 25_000;
    slowTraceId = await sendTraffic(60, slowEndMs);
    await eventually(async () => (await summaryCount(page)) === 61, 'the sent transactions on the live hitmap');
    expect(Number(await chart.getAttribute('data-cells'))).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-x-max'))).toBeGreaterThan(xMaxBefore);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap.png'), fullPage: true });

    // Drag over the slow transaction's dot: ±15 s around its end, rows around 3.2 s.
    const box = (await chart.boundingBox())!;
    const [left, top, right, bottom] = (await chart.getAttribute('data-plot'))!.split(' ').map(Number);
    const xMin = Number(await chart.getAttribute('data-x-min'));
    const xMax = Number(await chart.getAttribute('data-x-max'));
    const rows = Number(await chart.getAttribute('data-rows'));
    const plotW = box.width - left - right;
    const plotH = box.height - top - bottom;
    const px = (ms: number) => box.x + left + ((ms - xMin) / (xMax - xMin)) * plotW;
    const py = (row: number) => box.y + top + (1 - row / rows) * plotH;
    const row = hitmapRow(SLOW_MS);
    await page.mouse.move(px(slowEndMs - 15_000), py(row + 3));
    await page.mouse.down();
    await page.mouse.move(px(slowEndMs + 15_000), py(row - 2), { steps: 10 });
    await page.mouse.up();

    // The panel: per service/endpoint count and errors in the rectangle.
    const panel = page.getByTestId('selection-panel');
    const group = panel.getByRole('button', { name: 'shop-api GET /reports/{id}' });
    await group.waitFor({ timeout: 15_000 });
    expect(await panel.getByRole('row').count()).toBe(2); // header + the slow endpoint only
    await expect(panel.getByRole('row').nth(1).textContent()).resolves.toMatch(/GET \/reports\/\{id\}\s*1\s*0/);
    expect(page.url()).toMatch(/[?&]sel=/);
    await group.click();

    // The list: the transaction with its time, duration and trace id.
    const list = page.getByTestId('transactions');
    const link = list.getByRole('link', { name: slowTraceId });
    await link.waitFor({ timeout: 15_000 });
    await expect(list.textContent()).resolves.toContain('3.2 s');
    const hitmapUrl = page.url();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-selection.png'), fullPage: true });
    await link.click();

    // The trace: waterfall of both spans, the SQL step normalized and as sent.
    await page.waitForURL(/\/trace\?/);
    const waterfall = page.getByTestId('waterfall');
    await waterfall.getByRole('button', { name: 'SELECT reports' }).waitFor({ timeout: 15_000 });
    expect(await waterfall.locator('[data-span-id]').count()).toBe(2);
    const sqlSteps = page.getByTestId('sql-steps');
    await expect(sqlSteps.textContent()).resolves.toContain(SLOW_FINGERPRINT);
    await sqlSteps.getByText(SLOW_FINGERPRINT).click();
    const details = page.getByTestId('span-details');
    await details.locator('pre', { hasText: SLOW_SQL }).waitFor(); // the statement as sent, beside the normalized one
    await expect(details.textContent()).resolves.toContain('reports-db:5432');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'trace.png'), fullPage: true });

    // The link reproduces the view: selection, picked endpoint and the listed transaction.
    const again = await signedInPage();
    await again.goto(hitmapUrl);
    await again.getByTestId('transactions').getByRole('link', { name: slowTraceId }).waitFor({ timeout: 15_000 });
    await again.context().close();

    // From the trace back to its dot: a fixed window around it, its cell selected, its endpoint listed.
    await page.getByRole('link', { name: 'Show on the hitmap' }).click();
    await page.waitForURL(/\/hitmap\?.*sel=/);
    await page.getByTestId('transactions').getByRole('link', { name: slowTraceId }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.context().close();
  });

  it('lists services with RED figures, linking to the hitmap filtered to the service (and speaks Japanese)', async () => {
    const page = await signedInPage('ja-JP');
    await page.goto(`${base}/services?tenant=${slug}`);
    const table = page.getByTestId('services-table');
    await table.waitFor({ timeout: 15_000 });
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('GET /products');
    expect(text).toContain('GET /reports/{id}');
    expect(text).toContain('スループット');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'services-ja.png'), fullPage: true });
    await table.getByRole('link', { name: 'shop-api', exact: true }).click();
    await page.waitForURL(/\/hitmap\?.*service=shop-api/);
    await eventually(async () => Number(await page.getByTestId('hitmap-chart').getAttribute('data-cells')) > 0, 'filtered hitmap cells');
    await page.getByRole('heading', { name: 'ヒットマップ' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'hitmap-service-ja.png'), fullPage: true });
    await page.context().close();
  });

  it('ran every page under a CSP without unsafe-inline and raised no CSP violation', async () => {
    const res = await fetch(`${base}/hitmap`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    expect(/script-src ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]).not.toContain('unsafe-inline');
    expect(cspViolations).toEqual([]);
  });
});
