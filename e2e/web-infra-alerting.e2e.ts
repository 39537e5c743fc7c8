import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, startTenantFixture, type TenantFixture } from '@meridian/testing';
import { sleep } from './support/until';

/**
 * The rule editor's host down and pod restarts kinds in a real browser against the real server
 * and alerter: the inputs each kind uses (no service, no direction), the server's "threshold
 * past the look-back" next to its field, the preview and the firing list fed by hostmetrics-
 * shaped OTLP through intake, and Japanese.
 */
jest.setTimeout(300_000);

type JsonResourceMetrics = {
  resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
  scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: Array<{ timeUnixNano: string; startTimeUnixNano?: string }> } }> }>;
};

let fx: TenantFixture;
let browser: Browser;

beforeAll(async () => {
  buildWebUi();
  fx = await startTenantFixture('infra-rules', { env: { MERIDIAN_ALERT_INTERVAL_MS: '300' } });
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (!fx) return;
  // SIGTERM: this server (alerter every 300 ms, a browser's requests just cut off) drains and
  // exits 0 within its shutdown budget; it used to die by SIGSEGV in the embedded engine at exit.
  const code = await fx.meridian.stop();
  const exit = { code, signal: fx.meridian.child.signalCode };
  if (code !== 0) console.error(fx.meridian.output().split('\n').slice(-40).join('\n'));
  expect(exit).toEqual({ code: 0, signal: null });
}, 90_000);

/** The hostmetrics receiver's system.cpu.time of `host`, now (from e2e/fixtures/otlp-infra). */
async function heartbeat(host: string): Promise<void> {
  const req = JSON.parse(readFileSync(join(__dirname, 'fixtures/otlp-infra/hostmetrics.json'), 'utf8')) as { resourceMetrics: JsonResourceMetrics[] };
  const now = BigInt(Date.now()) * 1_000_000n;
  const resourceMetrics = req.resourceMetrics.map((rm) => ({
    resource: { attributes: rm.resource.attributes.map((a) => (a.key === 'host.name' ? { key: a.key, value: { stringValue: host } } : a)) },
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      ...sm,
      metrics: sm.metrics
        .filter((m) => m.name === 'system.cpu.time')
        .map((m) => ({
          ...m,
          sum: {
            ...m.sum!,
            dataPoints: m.sum!.dataPoints.map((p) => ({ ...p, timeUnixNano: String(now), startTimeUnixNano: String(now - 3_600_000_000_000n) })),
          },
        })),
    })),
  }));
  const res = await fetch(`http://127.0.0.1:${fx.meridian.ports.http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.ingestKey}` },
    body: JSON.stringify({ resourceMetrics }),
  });
  expect(res.status).toBe(200);
}

async function signedInPage(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 1100 } });
  await context.addCookies([...fx.owner.cookies].map(([name, value]) => ({ name, value, url: fx.base })));
  return context.newPage();
}

async function expectText(scope: Page | Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  await scope.getByText(text).first().waitFor({ state: 'visible', timeout });
}

it('edits a host down rule (inputs, validation, preview), sees it fire, offers the pod restarts inputs, and speaks Japanese', async () => {
  await heartbeat('web-a');
  await heartbeat('web-b');
  await sleep(3_000);
  await heartbeat('web-a');

  const page = await signedInPage('en-US');
  await page.goto(`${fx.base}/alerts/rule?tenant=${fx.slug}`);
  await page.getByLabel('Name', { exact: true }).fill('Host down');
  await page.getByLabel('Metric').selectOption('host_down');
  // Infrastructure, not services: no service, endpoint or direction; host, heartbeat metric and resource attributes instead.
  expect(await page.getByLabel('Service', { exact: true }).count()).toBe(0);
  expect(await page.getByLabel('Alert when the value is').count()).toBe(0);
  await page.getByLabel('Heartbeat metric').waitFor();
  await page.getByLabel('Resource attributes').fill('os.type=linux');
  await page.getByLabel('Window (seconds)').fill('3600');
  await expectText(page, /Look-back: hosts that reported in it are watched/);
  await page.getByLabel('Warning threshold').fill('2');
  await page.getByLabel('Critical threshold').fill('7200');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expectText(page, 'must be less than windowSeconds (3600), the look-back in which a host must have reported');
  expect(await page.getByLabel('Critical threshold').getAttribute('aria-invalid')).toBe('true');
  await page.getByLabel('Critical threshold').fill('600');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.waitForURL(/\/alerts\/rule\?tenant=.+&id=/);
  const ruleUrl = page.url();
  // The preview: web-b silent for seconds already crosses the 2 s warning in the last evaluation.
  await expectText(page.getByTestId('rule-preview'), /[1-9]\d* of 60 evaluations crossed a threshold/, 30_000);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-host-down-rule.png'), fullPage: true });

  await page.getByRole('link', { name: '← Alerts' }).click();
  const firingRow = page.getByTestId('firing').getByRole('row', { name: /Host down/ });
  await firingRow.waitFor({ timeout: 30_000 });
  await expectText(firingRow, /Host down \(time since a host last reported\) above warning threshold/);
  await expectText(firingRow, 'os.type=linux');
  expect(await firingRow.getByRole('link', { name: 'Open servers' }).getAttribute('href')).toBe(`/servers?tenant=${fx.slug}`);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-host-down-firing.png'), fullPage: true });

  // Pod restarts: the pod name prefix and resource attributes, no host or heartbeat metric.
  await page.goto(`${fx.base}/alerts/rule?tenant=${fx.slug}`);
  await page.getByLabel('Metric').selectOption('pod_restarts');
  await page.getByLabel('Pod name prefix').waitFor();
  await page.getByLabel('Resource attributes').waitFor();
  expect(await page.getByLabel('Host', { exact: true }).count()).toBe(0);
  expect(await page.getByLabel('Heartbeat metric').count()).toBe(0);
  await page.context().close();

  const ja = await signedInPage('ja-JP');
  await ja.goto(ruleUrl);
  await expectText(ja, 'ハートビートメトリクス');
  await expectText(ja, /振り返る期間/);
  expect(await ja.getByLabel('メトリクス').locator('option:checked').textContent()).toBe('ホストダウン（ホストの最終報告からの経過時間）');
  await ja.screenshot({ path: join(ARTIFACTS_DIR, 'web-alerting-host-down-ja.png'), fullPage: true });
  await ja.context().close();
});
