import { SpanKind } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemoKubernetes } from '@meridian/demo';
import { ARTIFACTS_DIR, buildWebUi, launchBrowser, sdkTelemetry, type TenantFixture, startTenantFixture } from '@meridian/testing';
import { until } from './support/until';

/**
 * The Kubernetes map and pod page in a real browser against the real server. Two clusters reach
 * the real intake: `shop-prod`, the repo's kubeletstats and k8s_cluster fixtures (the Collector's
 * receivers' payloads, e2e/fixtures/otlp-infra) sent twice five minutes apart — the storefront
 * container restarts in between, the catalog container is not ready — and the demo's generated
 * cluster (meridian.demo=true) through the OpenTelemetry SDK exporter. A service traced by the
 * OpenTelemetry SDK runs in the storefront pod (its host.name is the pod's name).
 */
jest.setTimeout(300_000);

const FIXTURES = join(__dirname, 'fixtures/otlp-infra');
const CLUSTER = 'shop-prod';
const STOREFRONT = 'storefront-7d9f8b6c5d-x2k9p';
const CATALOG = 'catalog-5c6d7e8f9a-q7w3z';

type JsonValue = { stringValue?: string; intValue?: string };
type JsonAttr = { key: string; value: JsonValue };
type JsonPoint = { timeUnixNano: string; startTimeUnixNano?: string; asInt?: string; asDouble?: number };
type JsonRequest = {
  resourceMetrics: Array<{
    resource: { attributes: JsonAttr[] };
    scopeMetrics: Array<{ metrics: Array<{ name: string; gauge?: { dataPoints: JsonPoint[] }; sum?: { dataPoints: JsonPoint[] } }> }>;
  }>;
};

let fx: TenantFixture;
let browser: Browser;

beforeAll(async () => {
  buildWebUi();
  fx = await startTenantFixture('kubernetes');
  browser = await launchBrowser();
}, 250_000);

afterAll(async () => {
  await browser?.close();
  await fx?.meridian.stop();
});

/**
 * A fixture with every point at `atMs` and the cluster's name on every resource (as a resource
 * processor adds it); `restarts` overrides a container's restart count.
 */
function fixtureAt(receiver: 'kubeletstats' | 'k8s_cluster', atMs: number, restarts: Record<string, number> = {}): JsonRequest {
  const req = JSON.parse(readFileSync(join(FIXTURES, `${receiver}.json`), 'utf8')) as JsonRequest;
  const now = BigInt(atMs) * 1_000_000n;
  for (const rm of req.resourceMetrics) {
    rm.resource.attributes.push({ key: 'k8s.cluster.name', value: { stringValue: CLUSTER } });
    const container = rm.resource.attributes.find((a) => a.key === 'k8s.container.name')?.value.stringValue;
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        for (const p of (m.gauge ?? m.sum)!.dataPoints) {
          p.timeUnixNano = String(now);
          if (p.startTimeUnixNano) p.startTimeUnixNano = String(now - 3_600_000_000_000n);
          if (m.name === 'k8s.container.restarts' && container !== undefined && container in restarts) p.asInt = String(restarts[container]);
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

async function sendTelemetry(): Promise<void> {
  const now = Date.now();
  for (const [at, restarts] of [
    [now - 5 * 60_000, {}],
    [now, { storefront: 1 }],
  ] as const) {
    await send(fixtureAt('kubeletstats', at));
    await send(fixtureAt('k8s_cluster', at, restarts));
  }
  // One reading of the demo cluster, through the SDK's OTLP exporter.
  const demo = startDemoKubernetes({ otlpHttpUrl: `http://127.0.0.1:${fx.meridian.ports.http}`, ingestKey: fx.ingestKey, intervalMs: 3_600_000 });
  await demo.stop();
  // The storefront service, traced in its pod: the SDK's host.name is the container's hostname, the pod name.
  const sdk = sdkTelemetry({
    protocol: 'http/protobuf',
    httpPort: fx.meridian.ports.http,
    grpcPort: fx.meridian.ports.grpc,
    key: fx.ingestKey,
    serviceName: 'storefront',
    resource: { 'host.name': STOREFRONT },
  });
  for (let i = 0; i < 3; i++)
    sdk.tracer.startSpan('GET /products', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/products' } }).end();
  await sdk.flush();
  await sdk.shutdown();
}

/** The map as the page draws it: namespace → workload → pod → [container, level], and each pod's marks. */
async function mapStructure(page: Page) {
  return page.getByTestId('k8s-map').evaluate((map) =>
    [...map.querySelectorAll('[data-namespace]')].map((ns) => ({
      namespace: ns.getAttribute('data-namespace'),
      workloads: [...ns.querySelectorAll('[data-workload]')].map((w) => ({
        workload: w.getAttribute('data-workload'),
        pods: [...w.querySelectorAll('[data-pod]')].map((p) => ({
          pod: p.getAttribute('data-pod'),
          restarting: p.getAttribute('data-restarting') === 'true',
          ready: p.getAttribute('data-ready') === 'true',
          containers: [...p.querySelectorAll('[data-container]')].map((c) => `${c.getAttribute('data-container')}:${c.getAttribute('data-level')}`),
        })),
      })),
    })),
  );
}

describe('web UI: Kubernetes', () => {
  it('maps clusters to namespaces, workloads, pods and containers, marks restarting and not-ready pods, and opens a pod with its series, services and alert preset', async () => {
    await sendTelemetry();
    await until(
      'both clusters to be rolled up',
      async () => {
        const map = await fx.owner.call('kubernetesMap', { params: { tenant: fx.slug }, query: { last: '15m', cluster: CLUSTER } });
        const demo = map.clusters.find((c) => c.name === 'meridian-demo');
        return map.pods.length === 2 && map.pods.some((p) => p.restartsInWindow > 0) && demo && demo.pods > 10 ? map : undefined;
      },
      60_000,
    );

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
    await context.addCookies([...fx.owner.cookies].map(([name, value]) => ({ name, value, url: fx.base })));
    const page = await context.newPage();
    await page.goto(`${fx.base}/kubernetes?tenant=${fx.slug}`);

    // The first cluster by name is the demo's: the page says it is demo data.
    await page.getByTestId('k8s-map').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('k8s-cluster').inputValue()).toBe('meridian-demo');
    expect(await page.getByTestId('k8s-demo-notice').textContent()).toMatch(/Demo data.*meridian\.demo=true/);
    const demo = await mapStructure(page);
    expect(demo.map((n) => n.namespace)).toEqual(['monitoring', 'payments', 'shop']);
    const demoPods = demo.flatMap((n) => n.workloads.flatMap((w) => w.pods));
    // The checkout-api replica that cannot be scheduled is not ready.
    expect(demoPods.filter((p) => !p.ready).map((p) => p.pod)).toEqual(expect.arrayContaining([expect.stringMatching(/^checkout-api-/)]));
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'kubernetes-demo-cluster.png'), fullPage: true });

    // The fixtures' cluster: no demo notice; workloads inferred from pod names; marks from restarts and readiness.
    await page.getByTestId('k8s-cluster').selectOption(CLUSTER);
    await page.waitForURL(/cluster=shop-prod/);
    await until('the shop-prod map', async () => (await page.getByTestId('k8s-map').locator(`[data-pod="${STOREFRONT}"]`).count()) === 1);
    expect(await page.getByTestId('k8s-demo-notice').count()).toBe(0);
    expect(await mapStructure(page)).toEqual([
      {
        namespace: 'shop',
        workloads: [
          // catalog: 0.2 and 0.05 cores of limits 1 and 0.2 in the fixture (see kubeletstats.json).
          {
            workload: 'catalog',
            pods: [{ pod: CATALOG, restarting: false, ready: false, containers: [expect.stringMatching(/^catalog:/), expect.stringMatching(/^envoy:/)] }],
          },
          {
            workload: 'storefront',
            pods: [{ pod: STOREFRONT, restarting: true, ready: true, containers: [expect.stringMatching(/^storefront:(low|mid|high|over)$/)] }],
          },
        ],
      },
    ]);
    expect(await page.getByTestId('k8s-summary').textContent()).toBe('2 pods · 1 not ready · 1 restarting');
    // Colour by memory: kept in the URL; a reload draws the same view.
    await page.getByTestId('k8s-by').selectOption('memory');
    await page.waitForURL(/by=memory/);
    await page.reload();
    await page.locator(`[data-pod="${STOREFRONT}"]`).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('k8s-by').inputValue()).toBe('memory');
    expect(await page.getByTestId('k8s-cluster').inputValue()).toBe(CLUSTER);
    await page.locator(`[data-pod="${STOREFRONT}"]`).hover();
    expect(await page.getByTestId('k8s-hover').textContent()).toMatch(/Restarts 1 \(Restarts in window 1\)/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'kubernetes-map.png'), fullPage: true });

    // The restarting pod: its container's series, the service traced in it, and the alert preset.
    await page.locator(`[data-pod="${STOREFRONT}"]`).click();
    await page.waitForURL(/\/kubernetes\/pod\?.*pod=storefront-7d9f8b6c5d-x2k9p/);
    await page.getByTestId('k8s-pod').waitFor({ timeout: 30_000 });
    expect(await page.locator('h1').textContent()).toBe(STOREFRONT);
    expect(await page.getByTestId('k8s-chart-cpu').getAttribute('data-lines')).toBe('storefront|storefront limit');
    expect(await page.getByTestId('k8s-chart-restarts').getAttribute('data-lines')).toBe('storefront');
    await page.getByTestId('k8s-chart-cpu').locator('canvas').waitFor();
    const service = page.getByTestId('k8s-services').locator('tr[data-service="storefront"]');
    await service.waitFor({ timeout: 30_000 });
    expect(await service.textContent()).toMatch(/storefront3host\.name/);
    expect(await service.getByTestId('k8s-service-hitmap').getAttribute('href')).toBe(`/hitmap?tenant=${fx.slug}&service=storefront`);
    const traces = new URL(`${fx.base}${await service.getByTestId('k8s-service-traces').getAttribute('href')}`);
    expect(Object.fromEntries(traces.searchParams)).toEqual({ tenant: fx.slug, service: 'storefront', resourceAttrs: `host.name=${STOREFRONT}` });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'kubernetes-pod.png'), fullPage: true });

    // The traces link finds the service's spans by the pod's host name.
    await service.getByTestId('k8s-service-traces').click();
    await page.waitForURL(/\/traces\?/);
    await page.getByText('GET /products').first().waitFor({ timeout: 30_000 });

    // Alert on this: the rule editor opens with a pod_restarts rule on this pod.
    await page.goBack();
    await page.getByTestId('k8s-alert').click();
    await page.waitForURL(/\/alerts\/rule\?.*metric=pod_restarts/);
    await until('the prefilled editor', async () => (await page.locator('textarea').count()) > 0);
    const texts = await Promise.all((await page.locator('textarea').all()).map((l) => l.inputValue()));
    expect(texts).toContain(`k8s.namespace.name=shop\nk8s.pod.name=${STOREFRONT}`);
    const inputs = await Promise.all((await page.locator('input').all()).map((l) => l.inputValue()));
    expect(inputs).toContain(`Restarts of shop/${STOREFRONT}`);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'kubernetes-alert-preset.png'), fullPage: true });

    // Japanese.
    const ja = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 1400, height: 1000 } })).newPage();
    await ja.context().addCookies([...fx.owner.cookies].map(([name, value]) => ({ name, value, url: fx.base })));
    await ja.goto(`${fx.base}/kubernetes?tenant=${fx.slug}&cluster=meridian-demo`);
    await ja.getByTestId('k8s-map').waitFor({ timeout: 30_000 });
    expect(await ja.getByTestId('k8s-demo-notice').textContent()).toMatch(/デモデータ/);
    expect(await ja.getByTestId('k8s-summary').textContent()).toMatch(/^Pod \d+ 個 · 未 Ready \d+/);
    await ja.screenshot({ path: join(ARTIFACTS_DIR, 'kubernetes-demo-ja.png'), fullPage: true });
  });
});
