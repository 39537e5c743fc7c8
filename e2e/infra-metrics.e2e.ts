import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HOST_METRIC_SPECS, HostCollector, type HostMetricName } from '@meridian/collector';
import { K8S_DEMO_METRICS, startDemoKubernetes } from '@meridian/demo';
import { startTenantFixture, type TenantFixture } from '@meridian/testing';
import { until } from './support/until';

/**
 * Infrastructure metrics through the real server: OTLP payloads shaped as the Collector's
 * hostmetrics, kubeletstats and k8s_cluster receivers send them (e2e/fixtures/otlp-infra, built
 * from the receivers' metadata.yaml) go through intake into embedded ClickHouse and come back
 * from GET /metrics with their names, types, units and resource attributes; the built-in host
 * source's readings of this machine arrive the same way, under the same names.
 */
jest.setTimeout(180_000);

const FIXTURES = join(__dirname, 'fixtures/otlp-infra');
const RECEIVERS = ['hostmetrics', 'kubeletstats', 'k8s_cluster'] as const;

type JsonValue = { stringValue?: string; intValue?: string };
type JsonPoint = { attributes: Array<{ key: string; value: JsonValue }>; timeUnixNano: string; startTimeUnixNano?: string; asInt?: string; asDouble?: number };
type JsonMetric = {
  name: string;
  unit: string;
  gauge?: { dataPoints: JsonPoint[] };
  sum?: { dataPoints: JsonPoint[]; aggregationTemporality: number; isMonotonic: boolean };
};
type JsonRequest = {
  resourceMetrics: Array<{ resource: { attributes: Array<{ key: string; value: JsonValue }> }; scopeMetrics: Array<{ metrics: JsonMetric[] }> }>;
};

let fx: TenantFixture;

beforeAll(async () => {
  fx = await startTenantFixture('infra');
}, 150_000);

afterAll(async () => {
  await fx?.meridian.stop();
});

function fixture(receiver: (typeof RECEIVERS)[number]): JsonRequest {
  return JSON.parse(readFileSync(join(FIXTURES, `${receiver}.json`), 'utf8')) as JsonRequest;
}

/** The fixtures carry fixed times; intake accepts recent points only, so every point is moved to now (an hour after its start). */
function atNow(req: JsonRequest): JsonRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const rm of req.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        for (const p of (m.gauge ?? m.sum)!.dataPoints) {
          p.timeUnixNano = String(now);
          if (p.startTimeUnixNano) p.startTimeUnixNano = String(now - 3_600_000_000_000n);
        }
  return req;
}

const text = (v: JsonValue) => v.stringValue ?? v.intValue ?? '';
const flat = (attrs: Array<{ key: string; value: JsonValue }>) => Object.fromEntries(attrs.map((a) => [a.key, text(a.value)]));

async function send(body: JsonRequest): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${fx.meridian.ports.http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.ingestKey}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

const readPoints = (name: string) =>
  fx.owner.call('metrics', { params: { tenant: fx.slug }, query: { last: '15m', name, limit: 10_000 } }).then((r) => r.points);

describe.each(RECEIVERS)('%s receiver payload', (receiver) => {
  it('is stored as sent: every metric with its type, unit, temporality, attributes and resource attributes', async () => {
    const req = atNow(fixture(receiver));
    const sent = await send(req);
    expect(sent.status).toBe(200);
    // No partial success: nothing rejected.
    expect(sent.body).not.toMatch(/rejected/i);

    const expected = req.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => ({ metric: m, resource: flat(rm.resource.attributes), points: (m.gauge ?? m.sum)!.dataPoints }))),
    );
    const names = [...new Set(expected.map((e) => e.metric.name))];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const want = expected.filter((e) => e.metric.name === name);
      const wantPoints = want.reduce((a, e) => a + e.points.length, 0);
      const got = await until(`${receiver} ${name} stored`, async () => {
        const points = await readPoints(name);
        return points.length >= wantPoints && points;
      });
      expect({ name, points: got.length }).toEqual({ name, points: wantPoints });
      const { metric } = want[0];
      for (const p of got) {
        expect({ name, type: p.metricType, unit: p.unit }).toEqual({ name, type: metric.gauge ? 'GAUGE' : 'SUM', unit: metric.unit });
        if (metric.sum)
          expect({ name, temporality: p.temporality, monotonic: p.isMonotonic }).toEqual({
            name,
            temporality: 'CUMULATIVE',
            monotonic: metric.sum.isMonotonic,
          });
      }
      // Each sent point comes back once, with its resource and point attributes intact.
      for (const { resource, points } of want)
        for (const sentPoint of points) {
          const attributes = flat(sentPoint.attributes);
          const match = got.filter((p) => same(p.resourceAttributes, resource) && same(p.attributes, attributes));
          expect({ name, resource, attributes, matches: match.length }).toEqual({ name, resource, attributes, matches: 1 });
          expect(match[0].value).toBeCloseTo(sentPoint.asInt !== undefined ? Number(sentPoint.asInt) : sentPoint.asDouble!, 6);
        }
    }
  });
});

/** Same keys and values, in any order. */
function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const canonical = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return canonical(a) === canonical(b);
}

describe('built-in host source', () => {
  it('names its metrics as the hostmetrics receiver does: every name it sends is in the receiver fixture with the same unit and type', () => {
    const receiverMetrics = new Map(
      fixture('hostmetrics').resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, m]))),
    );
    for (const [name, spec] of Object.entries(HOST_METRIC_SPECS)) {
      const m = receiverMetrics.get(name);
      expect({ name, unit: m?.unit, kind: m?.gauge ? 'gauge' : m?.sum?.isMonotonic ? 'counter' : 'sum' }).toEqual({ name, unit: spec.unit, kind: spec.kind });
      const point = (m!.gauge ?? m!.sum)!.dataPoints[0];
      expect({ name, int: point.asInt !== undefined }).toEqual({ name, int: spec.int });
    }
  });

  it("sends this machine's readings through intake: host and process resources come back from GET /metrics", async () => {
    const collector = new HostCollector({
      otlpUrl: `http://127.0.0.1:${fx.meridian.ports.http}`,
      ingestKey: fx.ingestKey,
      intervalMs: 60_000,
      topProcesses: 10,
    });
    try {
      await collector.pollOnce();
      await new Promise((r) => setTimeout(r, 1_000));
      await collector.pollOnce();
    } finally {
      await collector.stop();
    }
    const mine = (name: HostMetricName) => async () => (await readPoints(name)).filter((p) => p.resourceAttributes['host.name'] === hostname());
    const cpu = await until('system.cpu.time of this host', async () => {
      const points = await mine('system.cpu.time')();
      return points.length > 0 && points;
    });
    expect(cpu[0]).toMatchObject({ metricType: 'SUM', unit: 's', isMonotonic: true, temporality: 'CUMULATIVE' });
    expect(cpu[0].resourceAttributes).toMatchObject({ 'os.type': 'linux' });
    expect(Object.keys(cpu[0].attributes).sort()).toEqual(['cpu', 'state']);
    const util = await until('system.cpu.utilization (second reading)', async () => {
      const points = await mine('system.cpu.utilization')();
      return points.length > 0 && points;
    });
    expect(util.every((p) => p.value >= 0 && p.value <= 1)).toBe(true);
    const rss = await until('process.memory.usage', async () => {
      const points = await mine('process.memory.usage')();
      return points.length > 0 && points;
    });
    // Two readings of at most 10 processes each.
    expect(rss.length).toBeLessThanOrEqual(20);
    expect(rss.every((p) => /^\d+$/.test(p.resourceAttributes['process.pid']) && p.resourceAttributes['process.executable.name'])).toBe(true);
    // Kernel threads (busy by CPU) have no resident memory; the largest processes do.
    expect(rss.some((p) => p.value > 1024 * 1024)).toBe(true);
  });
});

describe('demo Kubernetes metrics', () => {
  it('name their metrics as kubeletstats and k8s_cluster do (same unit, type and value type)', () => {
    const receiverMetrics = new Map(
      [...fixture('kubeletstats').resourceMetrics, ...fixture('k8s_cluster').resourceMetrics].flatMap((rm) =>
        rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, m])),
      ),
    );
    // Node allocatable figures come from k8s_cluster's allocatable_types_to_report option, not its metadata.yaml.
    const demo = K8S_DEMO_METRICS.filter((m) => !m.name.startsWith('k8s.node.allocatable_'));
    for (const spec of demo) {
      const m = receiverMetrics.get(spec.name);
      expect({ name: spec.name, unit: m?.unit, kind: m?.gauge ? 'gauge' : 'counter' }).toEqual({ name: spec.name, unit: spec.unit, kind: spec.kind });
      expect({ name: spec.name, int: (m!.gauge ?? m!.sum)!.dataPoints[0].asInt !== undefined }).toEqual({ name: spec.name, int: spec.int });
    }
  });

  it('arrive through intake as demo data: pods and containers with k8s.* resource attributes and meridian.demo=true', async () => {
    const k8s = startDemoKubernetes({ otlpHttpUrl: `http://127.0.0.1:${fx.meridian.ports.http}`, ingestKey: fx.ingestKey, intervalMs: 60_000 });
    try {
      // A reading is a burst of requests (one per resource): wait for the resource each check needs.
      const demoPoints = (name: string, key: string, value: string) =>
        until(`${name} of ${value}`, async () => {
          const points = (await readPoints(name)).filter((p) => p.resourceAttributes['meridian.demo'] === 'true');
          return points.some((p) => p.resourceAttributes[key] === value) && points;
        });
      const restarts = await demoPoints('k8s.container.restarts', 'k8s.container.name', 'email-worker');
      expect(restarts.every((p) => p.resourceAttributes['k8s.cluster.name'] === 'meridian-demo' && p.resourceAttributes['k8s.pod.name'])).toBe(true);
      // The crash-looping worker has restarted.
      expect(restarts.find((p) => p.resourceAttributes['k8s.container.name'] === 'email-worker')!.value).toBeGreaterThan(0);
      // The traffic's services run in pods of the same name (their host.name).
      const usage = await demoPoints('container.memory.usage', 'k8s.pod.name', 'checkout-api-5b6c9d7f8-q8ztr');
      expect(Object.keys(usage[0].resourceAttributes)).toEqual(
        expect.arrayContaining(['k8s.namespace.name', 'k8s.node.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.container.name', 'container.image.name']),
      );
    } finally {
      await k8s.stop();
    }
  });
});
