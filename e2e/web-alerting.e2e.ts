import { SpanKind } from '@opentelemetry/api';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startHttpReceiver } from '@meridian/alert-channels/testing';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, SessionClient, startTenantFixture, type MeridianProcess } from '@meridian/testing';

/**
 * Alerting in the web UI, in a real browser against the real server and alerter: channels
 * pointing at a local HTTP receiver (allow-listed), "Send test" reaching it or showing why
 * not, a rule made in the editor (server validation next to the field), real spans through
 * intake making it fire, the firing list, failed deliveries, history, a silence, Japanese.
 */
jest.setTimeout(180_000);

const HOOK_SECRET = 'web-e2e-hmac-secret-0123456789';
const BROKEN_PATH = '/broken/T0/B0/SecretSlackToken';

let meridian: MeridianProcess;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
let browser: Browser;
let base: string;
let owner: SessionClient;
let slug: string;
let ingestKey: string;

beforeAll(async () => {
  buildWebUi();
  // `/broken…` answers 500: a Slack channel that always fails.
  receiver = await startHttpReceiver((path) => (path.startsWith('/broken') ? 500 : 200));
  ({ meridian, base, owner, slug, ingestKey } = await startTenantFixture('alerts', {
    env: { MERIDIAN_ALERT_INTERVAL_MS: '300', MERIDIAN_ALERT_RETRY_MS: '100', MERIDIAN_ALERT_MAX_ATTEMPTS: '2', MERIDIAN_ALERT_ALLOW_TARGETS: '127.0.0.1' },
  }));
  browser = await launchBrowser();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await meridian?.stop();
  await receiver?.close();
});

async function signedInPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
  await context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: base })));
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  return page;
}

async function expectText(scope: Page | Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  await scope.getByText(text).first().waitFor({ state: 'visible', timeout });
}

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends five 1 s `POST /checkout` transactions of service `checkout` with the OTel SDK. */
async function sendSlowCheckouts(): Promise<void> {
  const sdk = sdkTelemetry({
    protocol: 'http/protobuf',
    httpPort: meridian.ports.http,
    grpcPort: meridian.ports.grpc,
    key: ingestKey,
    serviceName: 'checkout',
  });
  for (let i = 0; i < 5; i++) {
    const end = Date.now() - i * 1_000;
    const span = sdk.tracer.startSpan('POST /checkout', {
      kind: SpanKind.SERVER,
      startTime: new Date(end - 1_000),
      attributes: { 'http.route': '/checkout', 'http.request.method': 'POST' },
    });
    span.end(new Date(end));
  }
  await sdk.flush();
  await sdk.shutdown();
}

describe('web UI: alerting', () => {
  it('creates channels and tests them, builds a rule that fires on real spans, and shows it firing', async () => {
    const page = await signedInPage();
    await page.goto(`${base}/hitmap?tenant=${slug}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL(/\/alerts\?tenant=/);
    await expectText(page, 'Nothing is firing');
    await expectText(page, 'No alert rules yet');
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.waitForURL(/\/alerts\/channels\?tenant=/);
    await expectText(page, 'No channels yet');

    // A private address is refused by the server; the reason is shown at the URL field.
    await page.getByLabel('Webhook', { exact: true }).check();
    await page.getByLabel('Name', { exact: true }).fill('Receiver hook');
    expect(await page.getByLabel('Key', { exact: true }).inputValue()).toBe('receiver-hook');
    await page.getByLabel('Webhook URL').fill('http://10.0.0.1/hook');
    await page.getByLabel(/Signing secret/).fill(HOOK_SECRET);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor({ timeout: 10_000 });
    expect(await page.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Webhook URL').fill(`${receiver.url}/hook`);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await expectText(page, 'Channel “Receiver hook” saved.');

    await page.getByLabel('Slack', { exact: true }).check();
    await page.getByLabel('Name', { exact: true }).fill('Broken slack');
    await page.getByLabel('Slack incoming-webhook URL').fill(`${receiver.url}${BROKEN_PATH}`);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await expectText(page, 'Channel “Broken slack” saved.');

    // Secrets are write-only: the list shows a masked target, never the token or HMAC key.
    const channels = page.getByTestId('channels');
    const hookRow = channels.getByRole('row', { name: /Receiver hook/ });
    const brokenRow = channels.getByRole('row', { name: /Broken slack/ });
    await brokenRow.waitFor();
    expect(await channels.textContent()).not.toContain('SecretSlackToken');
    expect(await channels.textContent()).not.toContain(HOOK_SECRET);

    // "Send test": the receiver gets it; the failing channel shows why.
    await hookRow.getByRole('button', { name: 'Send test' }).click();
    await expectText(hookRow, 'Delivered');
    expect(receiver.requests.filter((r) => r.path === '/hook')).toHaveLength(1);
    await brokenRow.getByRole('button', { name: 'Send test' }).click();
    await expectText(brokenRow, /Failed: .*500/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-channels.png'), fullPage: true });
    receiver.requests.length = 0;

    // The rule editor: the server's validation appears next to the field.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.waitForURL(/\/alerts\/rule\?tenant=/);
    await page.getByLabel('Name', { exact: true }).fill('Checkout slow');
    await page.getByLabel('Metric').selectOption('latency_p95');
    await page.getByLabel('Service', { exact: true }).fill('checkout');
    await page.getByLabel('Warning threshold').fill('900');
    await page.getByLabel('Critical threshold').fill('500');
    await page.getByLabel('Window (seconds)').fill('60');
    await page.getByLabel(/Receiver hook/).check();
    await page.getByLabel(/Broken slack/).check();
    await page.getByLabel('Runbook link').fill('https://runbooks.example.com/checkout');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expectText(page, 'must be ≥ warning');
    expect(await page.getByLabel('Critical threshold').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Warning threshold').fill('300');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(/\/alerts\/rule\?tenant=.+&id=/);
    const ruleUrl = page.url();
    await expectText(page.getByTestId('rule-state'), 'OK');

    // Real spans through intake: p95 of 1 s crosses the critical 500 ms.
    await sendSlowCheckouts();
    await page.getByRole('link', { name: '← Alerts' }).click();
    const firingRow = page.getByTestId('firing').getByRole('row', { name: /Checkout slow/ });
    await firingRow.waitFor({ timeout: 30_000 });
    await expectText(firingRow, 'Critical');
    await expectText(firingRow, 'p95 latency above critical threshold 500 ms');
    await expectText(firingRow, 'service checkout');
    const hitmapHref = (await firingRow.getByRole('link', { name: 'Open hitmap' }).getAttribute('href'))!;
    expect(hitmapHref).toMatch(new RegExp(`^/hitmap\\?tenant=${slug}&from=.+&to=.+&service=checkout$`));
    await expectText(page.getByTestId('rules').getByRole('row', { name: /Checkout slow/ }), 'Firing · Critical');
    // The firing message goes out from the outbox just after the state change the page shows.
    await until('the firing webhook', () => receiver.requests.some((r) => r.path === '/hook' && (JSON.parse(r.body) as { kind: string }).kind === 'firing'));
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-firing.png'), fullPage: true });

    // The Slack channel answering 500 shows up as a failed delivery, with its error.
    await page.getByRole('link', { name: 'Channels' }).click();
    const failedRow = page.getByTestId('failed-deliveries').getByRole('row', { name: /Broken slack/ });
    await failedRow.waitFor({ timeout: 30_000 });
    await expectText(failedRow, 'Checkout slow');
    await expectText(failedRow, '500');

    // History and a silence on the rule's page, then ended.
    await page.goto(ruleUrl);
    await expectText(page.getByTestId('history'), 'OK → Firing');
    // The editor's preview: the rule evaluated over the last hours as the alerter would, the slow checkouts crossing its thresholds.
    await expectText(page.getByTestId('rule-preview'), /[1-9]\d* of 60 evaluations crossed a threshold/, 30_000);
    await page.getByTestId('rule-preview').locator('canvas').first().waitFor();
    await page.getByLabel('Reason').fill('deploy 2.14');
    await page.getByRole('button', { name: 'Silence this rule' }).click();
    const silence = page.getByTestId('silences').getByRole('row', { name: /deploy 2\.14/ });
    await expectText(silence, 'Checkout slow');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-rule.png'), fullPage: true });
    await silence.getByRole('button', { name: 'End' }).click();
    await expectText(page, 'No active silences');
    await page.context().close();
  });

  it('speaks Japanese and shows viewers no write buttons', async () => {
    const email = `viewer-${Date.now()}@example.com`;
    const invite = await owner.call('createInvitation', { params: { tenant: slug }, body: { email, role: 'viewer' } });
    const viewer = await SessionClient.signUp(base, email, undefined, new URL(invite.acceptUrl).searchParams.get('token')!);
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1000 } });
    await context.addCookies([...viewer.cookies].map(([name, value]) => ({ name, value, url: base })));
    const page = await context.newPage();
    await page.goto(`${base}/alerts?tenant=${slug}`);
    await expectText(page.getByRole('navigation', { name: 'メイン' }), 'アラート');
    await expectText(page, '発生中のアラート');
    await expectText(page.getByTestId('rules'), 'Checkout slow');
    expect(await page.getByRole('link', { name: '新しいルール' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Checkout slow' }).first().click();
    await expectText(page, 'ルール「Checkout slow」');
    expect(await page.getByRole('button', { name: 'ルールを保存' }).count()).toBe(0);
    expect(await page.getByLabel('名前', { exact: true }).isDisabled()).toBe(true);
    await page.getByRole('link', { name: '通知チャネル' }).click();
    await expectText(page.getByTestId('channels'), 'Receiver hook');
    expect(await page.getByRole('button', { name: 'テスト送信' }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-ja-viewer.png'), fullPage: true });
    await context.close();
  });
});
