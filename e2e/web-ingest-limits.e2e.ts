import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiClient } from '@meridian/api-contract';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, SessionClient, startTenantFixture, type TenantFixture } from '@meridian/testing';

/**
 * Settings → Limits & usage in a real browser, as an invited viewer: the effective limits with
 * the operator's override marked, and usage that intake metered from spans sent through OTLP,
 * in English and Japanese.
 */
jest.setTimeout(240_000);

const OPERATOR_TOKEN = `op-${randomBytes(24).toString('hex')}`;
const SPANS = 1234;

let fx: TenantFixture;
let browser: Browser;
let viewer: SessionClient;

beforeAll(async () => {
  buildWebUi();
  fx = await startTenantFixture('usage-web', { env: { MERIDIAN_OPERATOR_TOKEN: OPERATOR_TOKEN, MERIDIAN_USAGE_FLUSH_MS: '300' } });
  const email = `viewer-${randomBytes(3).toString('hex')}@example.com`;
  const { acceptUrl } = await fx.owner.call('createInvitation', { params: { tenant: fx.slug }, body: { email, role: 'viewer' } });
  viewer = await SessionClient.signUp(fx.base, email, undefined, new URL(acceptUrl).searchParams.get('token')!);
  // User text on the page must come out as text.
  await fx.owner.call('updateTenant', { params: { tenant: fx.slug }, body: { name: '<img src=x onerror="document.title=1">Usage & Co' } });

  const operator = new ApiClient({ baseUrl: fx.base, headers: () => ({ authorization: `Bearer ${OPERATOR_TOKEN}` }) });
  await operator.call('setIngestLimits', {
    params: { tenant: fx.slug },
    body: { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: 4321, bytesPerSecond: null },
  });

  expect(await sendSpans(SPANS)).toBe(200);
  await until('the usage flush', async () => {
    const usage = await viewer.call('getIngestUsage', { params: { tenant: fx.slug }, query: {} });
    return usage.days.some((d) => d.signal === 'traces' && d.acceptedItems === SPANS);
  });
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await fx?.meridian.stop();
});

async function sendSpans(count: number): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `GET /usage/${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
  }));
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'usage-web' } }] }, scopeSpans: [{ spans }] }] };
  const res = await fetch(`http://127.0.0.1:${fx.meridian.ports.http}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.ingestKey}` },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function viewerPage(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1300, height: 1000 } });
  await context.addCookies([...viewer.cookies].map(([name, value]) => ({ name, value, url: fx.base })));
  return context.newPage();
}

async function expectText(scope: Page | Locator, text: string | RegExp): Promise<void> {
  await scope.getByText(text).first().waitFor({ state: 'visible', timeout: 15_000 });
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('web UI: Settings → Limits & usage', () => {
  it("shows a viewer the tenant's limits (override marked) and today's metered usage", async () => {
    const page = await viewerPage('en-US');
    await page.goto(`${fx.base}/settings?tenant=${fx.slug}`);
    await page.getByRole('link', { name: 'Limits & usage' }).click();
    await page.waitForURL(/\/settings\/usage\?tenant=/);

    const limits = page.getByTestId('ingest-limits');
    await expectText(limits.locator('tr[data-limit="logRecordsPerSecond"]'), '4,321');
    await expectText(limits.locator('tr[data-limit="logRecordsPerSecond"]'), 'set for this tenant (default 20,000)');
    await expectText(limits.locator('tr[data-limit="spansPerSecond"]'), 'default');
    expect(await limits.locator('tr[data-source="override"]').count()).toBe(1);
    await expectText(limits.locator('tr[data-limit="bytesPerSecond"]'), '32 MiB');

    const today = page.getByTestId('usage-today').locator('tr[data-signal="traces"]');
    await expectText(today.locator('[data-col="acceptedItems"]'), '1,234');
    expect(await page.getByTestId('usage-today').locator('tr[data-signal="logs"] [data-col="acceptedItems"]').textContent()).toBe('0');
    const history = page.getByTestId('usage-traces');
    await expectText(history.locator('tfoot [data-col="acceptedItems"]'), '1,234');
    expect(await history.locator('tbody tr').count()).toBe(1);
    await expectText(page.getByTestId('usage-logs'), 'Nothing received in this period');

    // The tenant name is shown as text, never run as markup.
    await expectText(page.locator('h1'), '<img src=x onerror="document.title=1">Usage & Co');
    expect(await page.title()).not.toBe('1');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-usage.png'), fullPage: true });
    await page.context().close();
  });

  it('reads the same page in Japanese', async () => {
    const page = await viewerPage('ja-JP');
    await page.goto(`${fx.base}/settings/usage?tenant=${fx.slug}`);
    await expectText(page, '取り込み制限');
    await expectText(page.getByTestId('ingest-limits').locator('tr[data-limit="logRecordsPerSecond"]'), 'このテナント用に設定（既定値 20,000）');
    await expectText(page.getByTestId('usage-today').locator('tr[data-signal="traces"]'), 'トレース（スパン）');
    await expectText(page.getByTestId('usage-today').locator('tr[data-signal="traces"] [data-col="acceptedItems"]'), '1,234');
    await expectText(page.getByTestId('usage-logs'), 'この期間に受信したデータはありません');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-usage-ja.png'), fullPage: true });
    await page.context().close();
  });
});
