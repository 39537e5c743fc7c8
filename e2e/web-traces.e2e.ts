import { context as otelContext, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * The trace explorer in a real browser against the real server, with spans from the real
 * OpenTelemetry SDK: list the newest traces, filter by status, attribute and service (every
 * filter in the URL), sort by duration, page by cursor, find a trace by a pasted id with dashes,
 * open it: the N+1 loop folded into one row and marked, the pool span not counted as SQL, the
 * Logs tab; and the page in Japanese.
 */
jest.setTimeout(240_000);

const FAST_TRACES = 60;
const LOOP = 12;

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;
let loopTraceId: string;
let failedTraceId: string;

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/** 60 quick product pages on shop-api, an order page with an N+1 loop, and a failed payment on billing. */
async function sendTraffic(): Promise<void> {
  const telemetry = (serviceName: string) =>
    sdkTelemetry({
      protocol: 'http/protobuf',
      httpPort: meridian.ports.http,
      grpcPort: meridian.ports.grpc,
      key: ingestKey,
      serviceName,
      resource: { 'host.name': 'web-1' },
    });
  const shop = telemetry('shop-api');
  const now = Date.now();
  for (let i = 0; i < FAST_TRACES; i++) {
    const end = now - 5_000 - i * 1_000;
    const span = shop.tracer.startSpan('GET /products', {
      kind: SpanKind.SERVER,
      startTime: hr(end - 30 - i),
      attributes: { 'http.request.method': 'GET', 'http.route': '/products', 'http.response.status_code': 200 },
    });
    span.end(hr(end));
  }
  const start = now - 3_000;
  const root = shop.tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: hr(start),
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/{id}', 'http.response.status_code': 200, 'enduser.id': 'u-42' },
  });
  const ctx = trace.setSpan(otelContext.active(), root);
  const child = (name: string, at: number, dur: number, attributes: Record<string, string | number>) =>
    shop.tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: hr(start + at), attributes }, ctx).end(hr(start + at + dur));
  child('pg-pool.connect', 1, 2, { 'db.system': 'postgresql' });
  child('SELECT shop.orders', 4, 5, { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': 'SELECT * FROM orders WHERE id = 7' });
  for (let i = 0; i < LOOP; i++) {
    child('SELECT shop.items', 10 + i * 3, 2, { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': `SELECT * FROM items WHERE id = ${100 + i}` });
  }
  root.end(hr(start + 2_500));
  loopTraceId = root.spanContext().traceId;
  await shop.flush();
  await shop.shutdown();

  const billing = telemetry('billing');
  const pay = billing.tracer.startSpan('POST /pay', {
    kind: SpanKind.SERVER,
    startTime: hr(now - 2_000),
    attributes: { 'http.request.method': 'POST', 'http.route': '/pay', 'http.response.status_code': 502 },
  });
  pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card processor unreachable' });
  pay.end(hr(now - 1_800));
  failedTraceId = pay.spanContext().traceId;
  await billing.flush();
  await billing.shutdown();
}

async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function signedInPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  return context.newPage();
}

/** Trace ids of the result rows, once the results have loaded. */
async function resultIds(page: Page): Promise<string[]> {
  const results = page.getByTestId('trace-results');
  await results.locator('table, .state-empty').first().waitFor();
  return results.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id') ?? ''));
}

/** Waits for the results to be `expected` (a search just changed the URL; the old rows may still show). */
async function expectIds(page: Page, expected: (ids: string[]) => boolean, what: string): Promise<string[]> {
  let last: string[] = [];
  return eventually(async () => {
    last = await resultIds(page);
    return expected(last) && last;
  }, `${what} (last seen: ${last.length} rows)`);
}
const exactly = (want: string[]) => (ids: string[]) => JSON.stringify(ids) === JSON.stringify(want);

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('traces', { timeoutMs: 180_000 }));
  browser = await launchBrowser();
  await sendTraffic();
  // Stored and readable: the API lists every trace.
  await eventually(async () => {
    const r = await owner.call('traceSearch', { params: { tenant: slug }, query: { last: '15m', limit: 200 } });
    return r.traces.length === FAST_TRACES + 2;
  }, 'all traces stored');
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

describe('web UI: trace explorer', () => {
  it('lists the newest traces, filters by status, attribute and service, every filter in the URL', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/traces?tenant=${slug}`);
    await page.getByRole('heading', { name: 'Traces', exact: true }).waitFor();
    const first = await resultIds(page);
    expect(first).toHaveLength(50);
    // Newest transaction end first: the order page ended after the payment.
    expect(first.slice(0, 2)).toEqual([loopTraceId, failedTraceId]);
    await expect(page.getByTestId('trace-results').locator('tbody tr').first().textContent()).resolves.toContain('shop-api · GET /orders/{id}');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'traces.png'), fullPage: true });

    const form = page.getByTestId('trace-search');
    await form.locator('select[name=status]').selectOption('error');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/status=error/);
    await expectIds(page, exactly([failedTraceId]), 'the failed trace alone');

    // A link holds the whole search: opened fresh, it shows the same results and fills the form.
    await page.goto(`${base}/traces?tenant=${slug}&attrs=${encodeURIComponent('enduser.id=u-42')}&service=shop-api`);
    expect(await resultIds(page)).toEqual([loopTraceId]);
    await expect(form.locator('textarea[name=attrs]').inputValue()).resolves.toBe('enduser.id=u-42');
    await expect(form.locator('select[name=service]').inputValue()).resolves.toBe('shop-api');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'traces-filtered.png'), fullPage: true });

    await page.goto(`${base}/traces?tenant=${slug}&service=billing`);
    expect(await resultIds(page)).toEqual([failedTraceId]);
    await page.context().close();
  });

  it('sorts by duration and pages by cursor without repeating a trace', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/traces?tenant=${slug}`);
    const page1 = await resultIds(page);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL(/cursor=/);
    await page.getByRole('button', { name: 'First page' }).waitFor();
    const page2 = await expectIds(page, (ids) => ids.length === FAST_TRACES + 2 - 50, 'the second page');
    expect(page2.filter((id) => page1.includes(id))).toEqual([]);
    await expect(page.getByRole('button', { name: 'Next page' }).count()).resolves.toBe(0);

    await page.goto(`${base}/traces?tenant=${slug}`);
    await resultIds(page);
    await page
      .getByRole('columnheader', { name: /Duration/ })
      .getByRole('button')
      .click();
    await page.waitForURL(/sort=duration/);
    await expectIds(page, (ids) => ids[0] === loopTraceId && ids.length === 50, 'the slowest trace first');
    await page.context().close();
  });

  it('finds a trace by a pasted id with dashes and opens it: the N+1 loop folded and marked, the pool span not counted, the Logs tab', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/traces?tenant=${slug}`);
    const id = loopTraceId.toUpperCase();
    const dashed = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    await page.getByLabel('Trace id').fill(`  ${dashed} `);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(new RegExp(`traceId=${loopTraceId}`));
    await expectIds(page, exactly([loopTraceId]), 'the trace of the pasted id');

    await page.getByTestId('trace-results').getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/trace\\?.*id=${loopTraceId}`));
    const waterfall = page.getByTestId('waterfall');
    const fold = waterfall.locator(`[data-fold-count="${LOOP}"]`);
    await fold.waitFor();
    await expect(fold.textContent()).resolves.toMatch(/× 12.*N\+1/);
    await expect(page.getByTestId('n-plus-one').textContent()).resolves.toContain(`× ${LOOP} under shop-api · GET /orders/{id}`);
    // The pool checkout is a database span but ran no statement: 1 order query + the loop.
    await expect(page.getByTestId('sql-steps').getByRole('heading').textContent()).resolves.toBe(`SQL statements (${LOOP + 1})`);
    await expect(waterfall.getByText('(connection pool)').count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'trace-n-plus-one.png'), fullPage: true });

    // Unfolded: each statement on its own row; folded again from its first row.
    await fold.getByRole('button').click();
    await expect(waterfall.getByRole('button', { name: 'SELECT shop.items' }).count()).resolves.toBe(LOOP);
    await waterfall.getByRole('button', { name: 'Fold the repeated spans again' }).click();
    await fold.waitFor();

    await page.getByRole('navigation', { name: 'Trace views' }).getByRole('link', { name: 'Logs' }).click();
    await page.waitForURL(/tab=logs/);
    await page.getByTestId('trace-logs').waitFor();
    await expect(waterfall.count()).resolves.toBe(0);
    await page.context().close();
  });

  it('speaks Japanese', async () => {
    const page = await signedInPage('ja-JP');
    await page.goto(`${base}/traces?tenant=${slug}`);
    await page.getByRole('heading', { name: 'トレース', exact: true }).waitFor();
    await page.getByRole('button', { name: '検索' }).waitFor();
    expect(await resultIds(page)).toHaveLength(50);
    await page.getByRole('button', { name: '次のページ' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'traces-ja.png'), fullPage: true });
    await page.context().close();
  });
});
