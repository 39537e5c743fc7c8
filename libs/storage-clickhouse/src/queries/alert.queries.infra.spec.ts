import { nanosToDateTime64 } from '@meridian/domain';
import { AlertQueries } from './alert.queries';
import { RowWriter } from '../write/row-writer';
import { makeMetricPointRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

/** Host down, pod restarts and the `metric` rule over host metrics, on points shaped as the hostmetrics and k8s_cluster receivers send them. */
describe('AlertQueries on infrastructure metrics', () => {
  let ch: TestClickHouse;
  let q: AlertQueries;
  // Whole seconds, so every silence and window edge below is exact.
  const nowMs = Math.floor(Date.now() / 1000) * 1000;
  const now = new Date(nowMs);
  const at = (secondsAgo: number) => nanosToDateTime64(BigInt(nowMs - secondsAgo * 1000) * 1_000_000n);

  const hostPoint = (tenant: string, host: string, env: string, secondsAgo: number, metric = 'system.cpu.time', value = 1) =>
    makeMetricPointRow({
      tenant_id: tenant,
      ts: at(secondsAgo),
      metric_name: metric,
      metric_type: metric === 'system.cpu.time' ? 'SUM' : 'GAUGE',
      service: '',
      host_name: host,
      resource_attributes: { 'host.name': host, 'os.type': 'linux', 'deployment.environment': env },
      attributes: metric === 'system.cpu.time' ? { cpu: 'cpu0', state: 'user' } : { state: 'used' },
      value,
    });
  /** Readings of one container's restart count, one a minute, the last 30 s ago (oldest first), as k8s_cluster sends it: an int gauge. */
  const restarts = (tenant: string, ns: string, pod: string, container: string, values: number[]) =>
    values.map((value, i) =>
      makeMetricPointRow({
        tenant_id: tenant,
        ts: at(30 + 60 * (values.length - 1 - i)),
        metric_name: 'k8s.container.restarts',
        metric_type: 'GAUGE',
        unit: '{restart}',
        service: '',
        host_name: '',
        resource_attributes: { 'k8s.namespace.name': ns, 'k8s.pod.name': pod, 'k8s.container.name': container, 'k8s.node.name': 'node-a' },
        attributes: {},
        value,
      }),
    );

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    q = new AlertQueries(ch.clients);
    const every30s = (from: number, to: number) => Array.from({ length: Math.floor((from - to) / 30) + 1 }, (_, i) => from - i * 30);
    const rows = [
      // web-1 reports every 30 s up to 10 s ago; web-2 stopped 300 s ago; web-3 last reported 5,000 s ago (outside an hour's look-back).
      ...every30s(610, 10).map((s) => hostPoint('infra', 'web-1', 'prod', s)),
      ...every30s(600, 300).map((s) => hostPoint('infra', 'web-2', 'staging', s)),
      hostPoint('infra', 'web-3', 'prod', 5000),
      hostPoint('infra', 'web-1', 'prod', 40, 'system.memory.utilization', 0.5),
      hostPoint('infra', 'web-1', 'prod', 20, 'system.memory.utilization', 0.7),
      hostPoint('infra', 'web-2', 'staging', 310, 'system.memory.utilization', 0.9),
      // Another tenant's host, silent for 3,000 s: never counted for tenant infra.
      hostPoint('other', 'web-9', 'prod', 3000),
      // readings at 570 … 30 s ago; the 5-minute window starts 300 s ago, after the 5th reading.
      ...restarts('k8s', 'shop', 'api-7d9f-abc', 'api', [0, 0, 1, 1, 2, 2, 3, 3, 4, 5]),
      ...restarts('k8s', 'shop', 'api-7d9f-abc', 'proxy', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
      ...restarts('k8s', 'shop', 'web-55c-xyz', 'web', [7, 7, 7, 7, 7, 7, 7, 7, 7, 7]),
      // Dead containers pruned by the kubelet: the count drops to 0, then climbs again.
      ...restarts('k8s', 'batch', 'worker-1', 'worker', [5, 5, 5, 5, 5, 5, 0, 1, 2, 2]),
      ...restarts('k8s-other', 'shop', 'api-7d9f-abc', 'api', [0, 0, 0, 0, 0, 50, 100, 150, 200, 250]),
    ];
    await new RowWriter(ch.clients).insert('test', 'metric_points', toRowBody('metric_points', rows), 'alert-infra');
  }, 60_000);

  afterAll(() => ch?.close());

  const hostDown = (tenant: string, extra: { host?: string; resourceAttributes?: Record<string, string>; windowSeconds?: number; metricName?: string } = {}) =>
    q.measure('test', tenant, { metric: 'host_down', windowSeconds: 3600, now, ...extra });
  const podRestarts = (tenant: string, extra: { podPrefix?: string; resourceAttributes?: Record<string, string>; windowSeconds?: number } = {}) =>
    q.measure('test', tenant, { metric: 'pod_restarts', windowSeconds: 300, now, ...extra });

  it('host down: the quietest host of the look-back and its silence in seconds, hosts unknown in the window and other tenants left out', async () => {
    const m = await hostDown('infra');
    expect(m).toMatchObject({ value: 300, count: 2 });
    expect(m.subjects).toEqual([
      { name: 'web-2', value: 300 },
      { name: 'web-1', value: 10 },
    ]);
    // A look-back reaching web-3's last report makes it the quietest.
    expect((await hostDown('infra', { windowSeconds: 6 * 3600 })).subjects?.[0]).toEqual({ name: 'web-3', value: 5000 });
    expect((await hostDown('other')).subjects).toEqual([{ name: 'web-9', value: 3000 }]);
    expect(await hostDown('nobody')).toMatchObject({ value: null, count: 0, subjects: [] });
  });

  it('host down: one named host, or the hosts carrying a resource attribute', async () => {
    expect((await hostDown('infra', { host: 'web-1' })).value).toBe(10);
    expect((await hostDown('infra', { resourceAttributes: { 'deployment.environment': 'staging' } })).subjects).toEqual([{ name: 'web-2', value: 300 }]);
    expect((await hostDown('infra', { resourceAttributes: { 'deployment.environment': 'prod' } })).value).toBe(10);
    // Another heartbeat metric: web-2's memory reading 310 s ago.
    expect((await hostDown('infra', { metricName: 'system.memory.utilization' })).subjects?.[0]).toEqual({ name: 'web-2', value: 310 });
  });

  it('the metric rule reads a host metric of one host.name, or of the hosts carrying a resource attribute', async () => {
    const memory = (extra: { host?: string; resourceAttributes?: Record<string, string> }) =>
      q.measure('test', 'infra', { metric: 'metric', metricName: 'system.memory.utilization', windowSeconds: 600, now, ...extra });
    expect((await memory({ host: 'web-1' })).value).toBeCloseTo(0.6, 9);
    expect((await memory({ host: 'web-2' })).value).toBeCloseTo(0.9, 9);
    expect((await memory({ resourceAttributes: { 'deployment.environment': 'staging' } })).value).toBeCloseTo(0.9, 9);
    expect((await memory({})).count).toBe(3);
    expect((await memory({ host: 'web-3' })).value).toBeNull();
  });

  it('pod restarts: rises of each container in the window summed per pod, flat counts 0, a pruned count climbing again counted from 0', async () => {
    const m = await podRestarts('k8s');
    expect(m).toMatchObject({ value: 3, count: 3 });
    expect(m.subjects).toEqual([
      { name: 'shop/api-7d9f-abc', value: 3 },
      { name: 'batch/worker-1', value: 2 },
    ]);
    // One minute: the reading 90 s ago is the baseline of the one 30 s ago (4 → 5).
    expect((await podRestarts('k8s', { windowSeconds: 60 })).subjects).toEqual([{ name: 'shop/api-7d9f-abc', value: 1 }]);
    expect((await podRestarts('k8s-other')).value).toBe(250);
  });

  it('pod restarts: by namespace and pod name prefix; 0 when flat, no data when no container reported', async () => {
    expect((await podRestarts('k8s', { podPrefix: 'worker' })).subjects).toEqual([{ name: 'batch/worker-1', value: 2 }]);
    expect((await podRestarts('k8s', { resourceAttributes: { 'k8s.namespace.name': 'shop' } })).value).toBe(3);
    expect(await podRestarts('k8s', { resourceAttributes: { 'k8s.namespace.name': 'shop' }, podPrefix: 'web-' })).toMatchObject({
      value: 0,
      count: 1,
      subjects: [],
    });
    expect((await podRestarts('k8s', { resourceAttributes: { 'k8s.namespace.name': 'none' } })).value).toBeNull();
    await expect(podRestarts('k8s', { podPrefix: 'x'.repeat(2000) })).rejects.toThrow(/podPrefix/);
  });
});
