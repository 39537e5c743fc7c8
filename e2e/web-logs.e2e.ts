import { SpanKind, context as otelContext, trace } from '@opentelemetry/api';
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

/**
 * The SRE's path through the logs page in a real browser against the real server: log records
 * sent by the unmodified OpenTelemetry logs SDK inside a span (so they carry its trace context)
 * are searched by body text, severity and attribute, counted per severity in the histogram,
 * followed live, and a record opens its trace.
 */
jest.setTimeout(240_000);

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;
let sdk: (service: string) => SdkTelemetry;

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('logs'));
  sdk = (service) =>
    sdkTelemetry({ protocol: 'http/protobuf', httpPort: meridian.ports.http, grpcPort: meridian.ports.grpc, key: ingestKey, serviceName: service });
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function signedInPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  return context.newPage();
}

const rows = (page: Page) => page.getByTestId('log-row');
/** Waits until the table lists exactly `n` records. */
const expectRows = (page: Page, n: number) => until(`${n} log rows`, async () => (await rows(page).count()) === n, 20_000);

describe('web UI: logs search, histogram, live tail and the way to the trace', () => {
  let traceId: string;

  it('sends logs with trace context through the OpenTelemetry logs SDK and finds them by text, severity and attribute', async () => {
    const checkout = sdk('checkout');
    const span = checkout.tracer.startSpan('POST /checkout', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.route': '/checkout' },
    });
    traceId = span.spanContext().traceId;
    const ctx = trace.setSpan(otelContext.active(), span);
    const S = checkout.severity;
    // A millisecond apart, so their order is the order they were logged in.
    const at = Date.now() - 10;
    checkout.logger.emit({ timestamp: at, severityNumber: S.INFO, severityText: 'INFO', body: 'order 1001 accepted', context: ctx });
    checkout.logger.emit({ timestamp: at + 1, severityNumber: S.WARN, severityText: 'WARN', body: 'call to payments took 1800 ms', context: ctx });
    checkout.logger.emit({
      timestamp: at + 2,
      severityNumber: S.ERROR,
      severityText: 'ERROR',
      body: 'Payment gateway TIMEOUT for order 1001 <script>alert(1)</script>',
      attributes: { 'order.id': '1001', 'exception.type': 'GatewayTimeout' },
      context: ctx,
    });
    span.end();
    const catalog = sdk('catalog');
    for (let i = 0; i < 20; i++) catalog.logger.emit({ severityNumber: catalog.severity.INFO, severityText: 'INFO', body: `served product page ${i}` });
    await Promise.all([checkout.flush(), catalog.flush()]);
    await Promise.all([checkout.shutdown(), catalog.shutdown()]);

    // The API: every record stored with its trace context.
    const tenant = { tenant: slug };
    const all = await until('23 log records', async () => {
      const r = await owner.call('logs', { params: tenant, query: { last: '15m' } });
      return r.logs.length === 23 ? r.logs : undefined;
    });
    const error = all.find((l) => l.severityText === 'ERROR')!;
    expect(error).toMatchObject({ traceId, spanId: span.spanContext().spanId, service: 'checkout', attributes: { 'order.id': '1001' } });
    expect((await owner.call('logs', { params: tenant, query: { q: 'gateway timeout' } })).logs.map((l) => l.body)).toEqual([error.body]);
    const histogram = await owner.call('logHistogram', { params: tenant, query: { last: '15m' } });
    const total = (level: string) => histogram.buckets.reduce((n, b) => n + b.counts[histogram.levels.indexOf(level as never)], 0);
    expect([total('info'), total('warn'), total('error')]).toEqual([21, 1, 1]);

    // The page: every record of the window, newest first, and the histogram's totals per level.
    const page = await signedInPage();
    await page.goto(`${base}/logs?tenant=${slug}`);
    await expectRows(page, 23);
    await until('histogram totals', async () => (await page.getByTestId('log-histogram').getAttribute('data-totals')) === 'info 21, warn 1, error 1');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'logs.png'), fullPage: true });

    // Body text: case-insensitive, every word; the markup in the body is shown as text.
    await page.getByLabel('Body contains').fill('GATEWAY timeout');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expectRows(page, 1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('GATEWAY timeout');
    expect(await rows(page).first().textContent()).toContain('Payment gateway TIMEOUT for order 1001 <script>alert(1)</script>');
    expect(await page.locator('[data-testid="log-table"] script').count()).toBe(0);
    await until('filtered histogram', async () => (await page.getByTestId('log-histogram').getAttribute('data-totals')) === 'error 1');

    // A row opens its attributes.
    await rows(page).first().click();
    expect(await page.getByTestId('log-details').textContent()).toMatch(/exception\.typeGatewayTimeout[\s\S]*order\.id1001/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'logs-search.png'), fullPage: true });

    // Severity ≥ warn (applied at once), then an attribute instead of text.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectRows(page, 23);
    await page.getByLabel('Severity at least').selectOption('warn');
    await expectRows(page, 2);
    expect(new URL(page.url()).searchParams.get('severity')).toBe('warn');
    await page.getByLabel('Attribute').fill('order.id=1001');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expectRows(page, 1);

    // The URL holds the search: reloading it shows the same records.
    await page.reload();
    await expectRows(page, 1);
    expect(await page.getByLabel('Attribute').inputValue()).toBe('order.id=1001');

    // From the record to its trace, at its span.
    await page.getByTestId('log-trace-link').click();
    await page.waitForURL(/\/trace\?/);
    const url = new URL(page.url());
    expect([url.searchParams.get('id'), url.searchParams.get('span')]).toEqual([traceId, span.spanContext().spanId]);
    await page.getByText('POST /checkout').first().waitFor({ timeout: 20_000 });

    // From the trace to its logs: the trace view's logs tab, oldest first.
    await page.goto(`${base}/trace?tenant=${slug}&id=${traceId}&tab=logs`);
    const traceLogs = page.getByTestId('trace-log-list');
    await until('the trace’s 3 records', async () => (await traceLogs.getByTestId('log-row').count()) === 3);
    expect(await traceLogs.getByTestId('log-row').first().textContent()).toContain('order 1001 accepted');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'trace-logs.png'), fullPage: true });
  });

  it('pastes a trace id with dashes, follows new records live, and reads in Japanese', async () => {
    const page = await signedInPage();
    const dashed = traceId.toUpperCase().replace(/^(.{8})(.{8})(.{8})/, '$1-$2-$3-');
    await page.goto(`${base}/logs?tenant=${slug}`);
    await page.getByLabel('Trace id').fill(dashed);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expectRows(page, 3);
    expect(new URL(page.url()).searchParams.get('traceId')).toBe(traceId);

    // Live tail: a record sent now appears on top without a reload.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectRows(page, 23);
    // The box follows the URL, which changes after the click.
    await page.getByTestId('log-live').click();
    await until('live in the URL', async () => new URL(page.url()).searchParams.get('live') === '1');
    expect(await page.getByTestId('log-live').isChecked()).toBe(true);
    const late = sdk('checkout');
    late.logger.emit({ severityNumber: late.severity.FATAL, severityText: 'FATAL', body: 'checkout worker crashed' });
    await late.flush();
    await late.shutdown();
    await expectRows(page, 24);
    expect(await rows(page).first().textContent()).toContain('checkout worker crashed');

    const ja = await signedInPage('ja-JP');
    await ja.goto(`${base}/logs?tenant=${slug}&severity=error`);
    await ja.getByRole('heading', { name: 'ログ' }).waitFor();
    await expectRows(ja, 2);
    expect(await ja.getByLabel('重大度（以上）').inputValue()).toBe('error');
    await ja.screenshot({ path: join(ARTIFACTS_DIR, 'logs-ja.png'), fullPage: true });
  });
});
