import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpReceiver } from '@meridian/alert-channels/testing';
import { startTenantFixture, type TenantFixture } from '@meridian/testing';
import { sleep, until } from './support/until';

/**
 * Host down and pod restarts through the real server and alerter: payloads shaped as the
 * Collector's hostmetrics and k8s_cluster receivers send them (e2e/fixtures/otlp-infra) go
 * through intake; rules made over the API fire to a local Slack receiver naming the silent host
 * and the restarting pod, and resolve once the host reports again and the restarts stop.
 */
jest.setTimeout(180_000);

const FIXTURES = join(__dirname, 'fixtures/otlp-infra');
const SLACK_PATH = '/slack/T0001/B0001/InfraToken';

type JsonValue = { stringValue?: string };
type JsonPoint = { timeUnixNano: string; startTimeUnixNano?: string; asInt?: string };
type JsonMetric = { name: string; gauge?: { dataPoints: JsonPoint[] }; sum?: { dataPoints: JsonPoint[] } };
type JsonResourceMetrics = { resource: { attributes: Array<{ key: string; value: JsonValue }> }; scopeMetrics: Array<{ metrics: JsonMetric[] }> };
type JsonRequest = { resourceMetrics: JsonResourceMetrics[] };

let fx: TenantFixture;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  fx = await startTenantFixture('infra-alerts', {
    env: { MERIDIAN_ALERT_INTERVAL_MS: '300', MERIDIAN_ALERT_RETRY_MS: '200', MERIDIAN_ALERT_ALLOW_TARGETS: '127.0.0.1' },
  });
}, 150_000);

afterAll(async () => {
  await fx?.meridian.stop();
  await receiver?.close();
});

/** The fixture's resources carrying `metric`, with only that metric, every point moved to now. */
function only(receiverName: string, metric: string): JsonResourceMetrics[] {
  const req = JSON.parse(readFileSync(join(FIXTURES, `${receiverName}.json`), 'utf8')) as JsonRequest;
  const now = BigInt(Date.now()) * 1_000_000n;
  return req.resourceMetrics
    .map((rm) => ({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.filter((m) => m.name === metric) })) }))
    .filter((rm) => rm.scopeMetrics.some((sm) => sm.metrics.length))
    .map((rm) => {
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics)
          for (const p of (m.gauge ?? m.sum)!.dataPoints) {
            p.timeUnixNano = String(now);
            if (p.startTimeUnixNano) p.startTimeUnixNano = String(now - 3_600_000_000_000n);
          }
      return rm;
    });
}

const attr = (rm: JsonResourceMetrics, key: string) => rm.resource.attributes.find((a) => a.key === key)?.value.stringValue;

async function send(resourceMetrics: JsonResourceMetrics[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${fx.meridian.ports.http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.ingestKey}` },
    body: JSON.stringify({ resourceMetrics }),
  });
  expect(res.status).toBe(200);
}

/** hostmetrics' cpu scraper output (system.cpu.time) of each named host, now. */
function heartbeat(...hosts: string[]): JsonResourceMetrics[] {
  return hosts.flatMap((host) =>
    only('hostmetrics', 'system.cpu.time').map((rm) => ({
      ...rm,
      resource: { attributes: rm.resource.attributes.map((a) => (a.key === 'host.name' ? { key: a.key, value: { stringValue: host } } : a)) },
    })),
  );
}

/** k8s_cluster's restart count of every container, now; `restarts` sets it for the storefront pod's containers. */
function restartCounts(restarts: number): JsonResourceMetrics[] {
  return only('k8s_cluster', 'k8s.container.restarts').map((rm) => {
    if (attr(rm, 'k8s.pod.name')?.startsWith('storefront-'))
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) for (const p of m.gauge!.dataPoints) p.asInt = String(restarts);
    return rm;
  });
}

const slackTexts = () => receiver.requests.filter((r) => r.path === SLACK_PATH).map((r) => (JSON.parse(r.body) as { text: string }).text);

it('fires a host down alert naming the silent host, and resolves when it reports again', async () => {
  const t = { tenant: fx.slug };
  await fx.owner.call('putAlertChannel', { params: t, body: { key: 'ops', name: '#ops', kind: 'slack', url: `${receiver.url}${SLACK_PATH}` } });
  // A threshold past the look-back could never fire: refused naming the field.
  const refused = await fx.owner.api
    .call('putAlertRule', { params: t, body: { key: 'h', name: 'h', metric: 'host_down', windowSeconds: 60, critical: 60 } })
    .catch((e: { status: number; body: { issues?: Array<{ field: string }> } }) => e);
  expect(refused).toMatchObject({ status: 400, body: { issues: [{ field: 'body.critical' }] } });

  await send(heartbeat('web-a', 'web-b'));
  await fx.owner.call('putAlertRule', {
    params: t,
    body: { key: 'hosts-down', name: 'Host down', metric: 'host_down', windowSeconds: 120, warning: 4, critical: 100, channels: ['ops'] },
  });
  // web-a keeps reporting every second; web-b has stopped.
  let beating = true;
  const beat = (async () => {
    while (beating) {
      await send(heartbeat('web-a'));
      await sleep(1_000);
    }
  })();
  try {
    const firing = await until('the host down message', () => slackTexts().find((s) => s.startsWith('WARNING: Host down')), 60_000);
    expect(firing).toMatch(/Time since a host last reported is \d+ s, above the warning threshold of 4 s: web-b \(\d+ s\)\./);
    expect(firing).not.toContain('web-a');
    expect(firing).toMatch(new RegExp(`Servers: http://\\S+/servers\\?tenant=${fx.slug}$`, 'm'));
    await send(heartbeat('web-b'));
    const resolved = await until('the resolved message', () => slackTexts().find((s) => s.startsWith('Resolved: Host down')), 60_000);
    expect(resolved).toMatch(/Time since a host last reported is back/);
  } finally {
    beating = false;
    await beat;
  }
});

it('fires a pod restarts alert naming the pod, and resolves once its containers stop restarting', async () => {
  const t = { tenant: fx.slug };
  await send(restartCounts(0));
  await sleep(1_500);
  await fx.owner.call('putAlertRule', {
    params: t,
    body: {
      key: 'pod-restarts',
      name: 'Pods restart',
      metric: 'pod_restarts',
      resourceAttributes: { 'k8s.namespace.name': 'shop' },
      windowSeconds: 10,
      warning: 2,
      channels: ['ops'],
    },
  });
  await send(restartCounts(3));
  const firing = await until('the pod restarts message', () => slackTexts().find((s) => s.startsWith('WARNING: Pods restart')), 60_000);
  expect(firing).toMatch(
    /Container restarts of one pod is 3 restarts, above the warning threshold of 2 restarts: shop\/storefront-[a-z0-9-]+ \(3 restarts\)\./,
  );
  expect(firing).toMatch(new RegExp(`Kubernetes: http://\\S+/kubernetes\\?tenant=${fx.slug}&amp;namespace=shop$`, 'm'));
  // Ten seconds later the window holds no rise any more.
  const resolved = await until('the resolved message', () => slackTexts().find((s) => s.startsWith('Resolved: Pods restart')), 60_000);
  expect(resolved).toMatch(/Container restarts of one pod is back/);
});
