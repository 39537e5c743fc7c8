import type { Browser, Page, Route } from 'playwright-core';
import { buildWebUi, launchBrowser, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * What the UI says when the server's read limits answer (apps/server/src/read-limits.ts), in a
 * real browser against the real server. The hitmap's reads are answered here as the read gate
 * and the engine's time limit answer them (status, Retry-After, body as read-limits.spec.ts
 * checks them): a real refusal needs a tenant's reads to wait 10 s or a query to run 30 s.
 * Everything else (page, session, the answers after a refusal) is the real server's.
 */
jest.setTimeout(180_000);

let meridian: MeridianProcess;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;

beforeAll(async () => {
  buildWebUi();
  ({ meridian, base, owner, slug } = await startTenantFixture('limits'));
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

const HITMAP = /\/api\/v1\/tenants\/[^/]+\/hitmap\?/;

async function signedInPage(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo' });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  return context.newPage();
}

/** A paused 10-minute window: fetched once, never polled, so every hitmap read here is the page's own retry. */
function pausedHitmap(): string {
  const to = Math.floor(Date.now() / 1000) * 1000;
  return `${base}/hitmap?tenant=${slug}&from=${new Date(to - 600_000).toISOString()}&to=${new Date(to).toISOString()}`;
}

/** Answers the next `times` hitmap reads as the server's ReadLimitFilter would, then lets them through. */
async function refuseHitmap(page: Page, times: number, answer: { status: number; reason: string; message: string; retryAfter?: string }) {
  const refused: number[] = [];
  await page.route(HITMAP, async (route: Route) => {
    if (refused.length >= times) return route.continue();
    refused.push(Date.now());
    const error = answer.status === 429 ? 'Too Many Requests' : answer.status === 503 ? 'Service Unavailable' : 'Gateway Timeout';
    await route.fulfill({
      status: answer.status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...(answer.retryAfter && { 'retry-after': answer.retryAfter }) },
      body: JSON.stringify({ statusCode: answer.status, error, reason: answer.reason, message: answer.message }),
    });
  });
  return refused;
}

describe('web UI: the read limits in words', () => {
  it('says the tenant’s own queries fill its share after the retries, counts down the Retry-After and retries on its own', async () => {
    const page = await signedInPage('en-US');
    const served: number[] = [];
    page.on('response', (res) => {
      if (HITMAP.test(res.url()) && res.status() === 200) served.push(Date.now());
    });
    // The first ask and react-query's two retries are refused.
    const refused = await refuseHitmap(page, 3, {
      status: 429,
      reason: 'tenant_wait_timeout',
      message: 'read waited 10000 ms for a slot (the tenant’s own reads held its slots); retry later',
      retryAfter: '4',
    });
    await page.goto(pausedHitmap());
    const notice = page.locator('.notice-error');
    await notice.getByText(/^Too many queries for this tenant are running — retrying in [1-4] s\.$/).waitFor({ timeout: 30_000 });
    expect(refused).toHaveLength(3);
    await expect(notice.locator('strong').textContent()).resolves.toBe('Could not load the hitmap');
    // The count goes down, then the page asks again on its own: the server answers and the notice goes.
    await notice.getByText('retrying in 1 s.', { exact: false }).waitFor({ timeout: 10_000 });
    await notice.waitFor({ state: 'detached', timeout: 15_000 });
    // The notice goes when the retry starts; its answer follows (in CI it had not arrived yet).
    for (const until = Date.now() + 10_000; served.length === 0 && Date.now() < until;) await page.waitForTimeout(100);
    expect(served).toHaveLength(1);
    // Not before the server's Retry-After (4 s) was over.
    expect(served[0] - refused[2]).toBeGreaterThanOrEqual(3_500);
    expect(await page.getByTestId('hitmap-chart').getAttribute('data-cells')).toBe('0');
    await page.context().close();
  });

  it('names the time limit of a stopped query and what to narrow, and does not run it again on its own', async () => {
    const page = await signedInPage('en-US');
    const refused = await refuseHitmap(page, 100, {
      status: 504,
      reason: 'execution_timeout',
      message: 'the query ran longer than 30 s and was stopped; narrow the time window or add filters',
    });
    await page.goto(pausedHitmap());
    const notice = page.locator('.notice-error');
    await notice.getByText('This query took longer than 30 s and was stopped — narrow the time window or add filters.').waitFor({ timeout: 30_000 });
    // No retry: not by react-query, not by the notice.
    await page.waitForTimeout(6_000);
    expect(refused).toHaveLength(1);
    await expect(notice.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(1);
    await page.context().close();
  });

  it('says the server is busy with other tenants’ queries (503), in Japanese', async () => {
    const page = await signedInPage('ja-JP');
    await refuseHitmap(page, 3, {
      status: 503,
      reason: 'engine_busy',
      message: 'read waited 10000 ms for a slot (other tenants’ reads filled the engine); retry later',
      retryAfter: '10',
    });
    await page.goto(pausedHitmap());
    const notice = page.locator('.notice-error');
    await notice.getByText(/^サーバーがほかのクエリで混み合っています。([1-9]|10) 秒後に再試行します。$/).waitFor({ timeout: 30_000 });
    await expect(notice.locator('strong').textContent()).resolves.toBe('ヒットマップを読み込めませんでした');
    await notice.waitFor({ state: 'detached', timeout: 20_000 });
    await page.context().close();
  });
});
