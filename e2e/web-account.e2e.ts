import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, readSignupEmailLink, startMeridian, type MeridianProcess } from '@meridian/testing';

/**
 * The account side of the web UI in a real browser against the real server: sign-up, tenant
 * with a chosen region, ingest key shown once (and working at intake until revoked), members
 * and invitations, the audit log, Japanese, sign-out/in, and a viewer's limits.
 */
jest.setTimeout(240_000);

const PASSWORD = 'correct horse battery staple';

let meridian: MeridianProcess;
let browser: Browser;
let base: string;

beforeAll(async () => {
  buildWebUi();
  meridian = await startMeridian({ env: { MERIDIAN_KEY_CACHE_MS: '500' } });
  base = `http://127.0.0.1:${meridian.ports.api}`;
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
});

async function newPage(locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  // Revoke/remove buttons ask for confirmation.
  page.on('dialog', (d) => void d.accept());
  return { context, page };
}

/** One span as OTLP/JSON, sent with `key`: the intake's status says whether the key works. */
async function sendSpan(key: string): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web-e2e' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'GET /ping',
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(`http://127.0.0.1:${meridian.ports.http}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('web UI: accounts, tenants, keys, members, audit', () => {
  const email = `owner-${Date.now()}@example.com`;
  let inviteToken = '';

  it('signs up, creates a tenant in a chosen region, and creates, uses and revokes an ingest key', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/`);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.waitForURL(/\/sign-up/);

    // The server's own validation is shown next to the field.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectText(page, 'at least 10 characters');
    // A common password is refused with the reason, next to the field.
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectText(page, 'common password');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    // The account exists once the emailed link is opened (the outbox: no SMTP here).
    await expectText(page, 'Check your email');
    await page.goto(await readSignupEmailLink(meridian.dataDir, email).then((link) => `${base}${new URL(link).pathname}${new URL(link).search}`));
    await page.getByRole('button', { name: 'Create my account' }).click();

    await page.waitForURL(/\/tenants\/new\?first=1/);
    await expectText(page, 'Step 2 of 2');
    await page.getByLabel('Name', { exact: true }).fill('Acme Web Shop');
    expect(await page.getByLabel(/Short name/).inputValue()).toBe('acme-web-shop');
    // Plain words on where the data lives, then pick Seoul instead of the default Tokyo.
    await expectText(page, 'stored and processed only in the region you choose');
    await page.getByLabel(/Seoul/).check();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-account-new-tenant.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create tenant' }).click();

    await page.waitForURL(/\/settings\/keys\?tenant=acme-web-shop&welcome=1/);
    await expectText(page, 'its data lives in ap-northeast-2');
    await page.getByLabel('Name', { exact: true }).fill('checkout prod');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expectText(page, 'This is the only time the full key is shown');
    const secret = (await page.getByLabel('The key').textContent())!.trim();
    expect(secret).toMatch(/^mrd_ik_/);
    const env = await page.locator('.secret pre').nth(1).textContent();
    expect(env).toContain(`export OTEL_EXPORTER_OTLP_HEADERS='authorization=Bearer ${secret}'`);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-account-key-created.png'), fullPage: true });

    // The key shown works at intake…
    expect(await sendSpan(secret)).toBe(200);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await waitForCount(page.locator('.secret'), 0);
    const row = page.getByRole('row', { name: /checkout prod/ });
    expect(await row.textContent()).toContain(secret.slice(0, 10));
    // …until it is revoked in the UI.
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expectText(row, 'revoked');
    await eventually(async () => (await sendSpan(secret)) === 401, 'intake to refuse the revoked key');

    // General settings: the region is shown as fixed.
    await page.getByRole('link', { name: 'General' }).click();
    await page.waitForURL(/\/settings\?tenant=acme-web-shop/);
    await expectText(page.locator('.facts'), 'ap-northeast-2');
    await expectText(page.locator('.facts'), 'the region cannot be changed');
    await context.close();
  });

  it('invites a member, shows the audit log, speaks Japanese, and signs out and in', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/sign-in?next=${encodeURIComponent('/settings/members?tenant=acme-web-shop')}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page, 'Sign-in failed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/settings\/members\?tenant=acme-web-shop/);

    await expectText(page.getByRole('row', { name: new RegExp(email) }), 'Owner');
    await page.getByLabel('Email').fill('viewer@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expectText(page, 'Invitation for viewer@example.com created');
    const acceptUrl = (await page.locator('.copy-block pre').last().textContent())!;
    inviteToken = new URL(acceptUrl).searchParams.get('token')!;
    expect(inviteToken).toBeTruthy();
    await expectText(page.getByRole('row', { name: /viewer@example.com/ }), 'pending');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/settings\/audit/);
    // Entries read as sentences (issue 17), not action codes.
    for (const sentence of ['Invited viewer@example.com as', 'Revoked the ingest key', 'Created the ingest key']) await expectText(page, sentence);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-account-audit.png'), fullPage: true });

    // Japanese, kept across reloads; dates in the chosen zone.
    await page.getByLabel('Language').selectOption('ja');
    await expectText(page, '監査ログ');
    await page.reload();
    await expectText(page.getByRole('navigation', { name: 'メイン' }), '設定');
    await expectText(page, 'viewer@example.com を');
    await expectText(page, 'として招待しました');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-account-audit-ja.png'), fullPage: true });
    await page.getByLabel('言語').selectOption('en');

    // The tenant switcher: create a second tenant from it, then switch back on the same page.
    await page.getByLabel('Tenant', { exact: true }).selectOption('__new__');
    await page.waitForURL(/\/tenants\/new/);
    await page.getByLabel('Name', { exact: true }).fill('Second Team');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.waitForURL(/\/settings\/keys\?tenant=second-team/);
    await expectText(page, 'its data lives in ap-northeast-1');
    await page.getByLabel('Tenant', { exact: true }).selectOption('acme-web-shop');
    await page.waitForURL(/\/settings\/keys\?tenant=acme-web-shop$/);
    await expectText(page.getByRole('row', { name: /checkout prod/ }), 'revoked');

    // A tenant that is not yours is refused by name, not shown empty.
    await page.goto(`${base}/settings?tenant=demo`);
    await expectText(page, 'You are not a member of “demo”');

    await page.locator('.menu summary').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${base}/settings/keys?tenant=acme-web-shop`);
    await page.waitForURL(/\/sign-in\?next=/);

    // Signing in again lands on the last tenant's hitmap.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/settings\/keys\?tenant=acme-web-shop/);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/hitmap\?tenant=acme-web-shop/);
    await context.close();
  });

  it('lets an invited viewer join and read, but not manage keys', async () => {
    const { context, page } = await newPage('ja-JP');
    await page.goto(`${base}/invite?token=${encodeURIComponent(inviteToken)}`);
    await page.getByRole('link', { name: 'アカウントを作成して参加' }).click();
    await page.getByLabel('メールアドレス').fill('viewer@example.com');
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'アカウントを作成' }).click();
    await page.waitForURL(/\/hitmap\?tenant=acme-web-shop/);

    await page.goto(`${base}/settings/keys?tenant=acme-web-shop`);
    await expectText(page, 'キーの作成と無効化は管理者だけが行えます');
    await waitForCount(page.getByRole('button', { name: 'キーを作成' }), 0);
    await expectText(page.getByRole('row', { name: /checkout prod/ }), '無効化');
    // Admin-only sections are not offered to a viewer.
    await waitForCount(page.getByRole('link', { name: '監査ログ' }), 0);
    await context.close();
  });
});

async function expectText(scope: Page | ReturnType<Page['locator']>, text: string): Promise<void> {
  await scope.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: 15_000 });
}

/** Waits until a locator matches `n` elements (playwright-core has no test-runner assertions). */
async function waitForCount(locator: ReturnType<Page['locator']>, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await locator.count()) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} element(s) for ${String(locator)}, found ${await locator.count()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
