import type { MetricPointRow } from '@meridian/domain';
import { nanosToDateTime64 } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { makeMetricPointRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';
import { KubernetesQueries, workloadFromPodName } from './kubernetes.queries';

const MS = 1_000_000n;
/** A minute-aligned base 30 minutes ago; readings every minute for 10 minutes after it. */
const BASE_MS = Math.floor(Date.now() / 300_000) * 300_000 - 30 * 60_000;
const WINDOW = { from: new Date(BASE_MS), to: new Date(BASE_MS + 15 * 60_000) };

interface PodSpec {
  tenant?: string;
  cluster?: string;
  namespace: string;
  pod: string;
  deployment?: string;
  containers: Array<{
    name: string;
    cpu: number;
    cpuLimit?: number;
    memory: number;
    memoryLimit?: number;
    restarts: (minute: number) => number;
    ready: (minute: number) => number;
  }>;
  phase: number;
  demo?: boolean;
}

/** Rows as the kubeletstats and k8s_cluster receivers' metrics are stored, one reading per minute. */
function podRows(s: PodSpec, minutes = 10): MetricPointRow[] {
  const rows: MetricPointRow[] = [];
  const resource: Record<string, string> = {
    'k8s.cluster.name': s.cluster ?? 'prod',
    'k8s.namespace.name': s.namespace,
    'k8s.pod.name': s.pod,
    'k8s.node.name': 'node-1',
    ...(s.deployment && { 'k8s.deployment.name': s.deployment }),
    ...(s.demo && { 'meridian.demo': 'true' }),
  };
  const point = (m: number, name: string, value: number, res: Record<string, string>) =>
    makeMetricPointRow({
      tenant_id: s.tenant ?? 'k1',
      ts: nanosToDateTime64(BigInt(BASE_MS + m * 60_000 + 5_000) * MS),
      metric_name: name,
      metric_type: 'GAUGE',
      service: 'unknown_service',
      host_name: '',
      resource_attributes: res,
      value,
    });
  for (let m = 0; m < minutes; m++) {
    rows.push(point(m, 'k8s.pod.phase', s.phase, resource));
    // Another pod metric on a resource without the workload name, as kubeletstats sends it without k8sattributes.
    rows.push(point(m, 'k8s.pod.memory.working_set', 1, { ...resource, 'k8s.deployment.name': '' }));
    for (const c of s.containers) {
      const res = { ...resource, 'k8s.container.name': c.name };
      rows.push(point(m, 'container.cpu.usage', c.cpu * (m + 1), res), point(m, 'container.memory.working_set', c.memory, res));
      if (c.cpuLimit !== undefined) rows.push(point(m, 'k8s.container.cpu_limit', c.cpuLimit, res));
      if (c.memoryLimit !== undefined) rows.push(point(m, 'k8s.container.memory_limit', c.memoryLimit, res));
      rows.push(point(m, 'k8s.container.restarts', c.restarts(m), res), point(m, 'k8s.container.ready', c.ready(m), res));
      // A metric the rollups leave out.
      rows.push(point(m, 'container.filesystem.usage', 123, res));
    }
  }
  return rows;
}

describe('KubernetesQueries', () => {
  let ch: TestClickHouse;
  let q: KubernetesQueries;
  let writer: RowWriter;
  let token = 0;
  const write = (rows: MetricPointRow[]) => writer.insert('eu', 'metric_points', toRowBody('metric_points', rows), `k-${++token}`);

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new KubernetesQueries(ch.clients);
    writer = new RowWriter(ch.clients);
    await write(
      podRows({
        namespace: 'shop',
        pod: 'web-7d9f8b6c5d-x2k9p',
        deployment: 'web',
        phase: 2,
        containers: [
          { name: 'web', cpu: 0.05, cpuLimit: 1, memory: 400, memoryLimit: 1000, restarts: () => 0, ready: () => 1 },
          { name: 'envoy', cpu: 0.01, memory: 50, restarts: () => 0, ready: () => 1 },
        ],
      }),
    );
    // Crash-looping: restarts climb from 3 to 5 in the window, not ready at the end.
    await write(
      podRows({
        namespace: 'shop',
        pod: 'worker-5c6d7e8f9a-q7w3z',
        phase: 2,
        containers: [
          { name: 'worker', cpu: 0.02, cpuLimit: 0.5, memory: 900, memoryLimit: 1000, restarts: (m) => 3 + Math.floor(m / 4), ready: (m) => (m >= 8 ? 0 : 1) },
        ],
      }),
    );
    await write(
      podRows({
        namespace: 'batch',
        pod: 'pending-0',
        phase: 1,
        containers: [{ name: 'job', cpu: 0, cpuLimit: 1, memory: 0, memoryLimit: 1000, restarts: () => 0, ready: () => 0 }],
      }),
    );
    await write(podRows({ cluster: 'demo', namespace: 'shop', pod: 'demo-1', phase: 2, demo: true, containers: [] }));
    await write(podRows({ tenant: 'other', namespace: 'secret', pod: 'theirs-1', phase: 2, containers: [] }));
    // Spans from the worker pod: one service by host name, one by the k8s.pod.name resource attribute.
    const spanAt = (service: string, over: Record<string, unknown>) =>
      makeSpanRow({ tenant_id: 'k1', service, txn_service: service, startNanos: BigInt(BASE_MS + 9 * 60_000) * MS, durationMs: 10, ...over });
    await writer.insert(
      'eu',
      'spans',
      toRowBody('spans', [
        spanAt('worker', { host_name: 'worker-5c6d7e8f9a-q7w3z' }),
        spanAt('worker', { host_name: 'worker-5c6d7e8f9a-q7w3z' }),
        spanAt('sidecar', { host_name: 'node-1', resource_attributes: { 'k8s.pod.name': 'worker-5c6d7e8f9a-q7w3z', 'k8s.namespace.name': 'shop' } }),
        spanAt('elsewhere', { host_name: 'web-1' }),
      ]),
      'k-spans',
    );
  });
  afterAll(() => ch.close());

  it('maps a cluster: clusters and namespaces to pick, pods with workload, phase, readiness, restarts and use against limits', async () => {
    const map = await q.map('eu', 'k1', { ...WINDOW, cluster: 'prod' });
    expect(map.clusters).toEqual([
      { name: 'demo', pods: 1, demo: true },
      { name: 'prod', pods: 3, demo: false },
    ]);
    expect(map.cluster).toBe('prod');
    expect(map.demo).toBe(false);
    expect(map.namespaces).toEqual(['batch', 'shop']);
    expect(map.pods.map((p) => [p.namespace, p.workload, p.name])).toEqual([
      ['batch', 'pending', 'pending-0'],
      ['shop', 'web', 'web-7d9f8b6c5d-x2k9p'],
      // No k8s.deployment.name: inferred from the pod name.
      ['shop', 'worker', 'worker-5c6d7e8f9a-q7w3z'],
    ]);
    const [pending, web, worker] = map.pods;
    expect(web).toMatchObject({ workloadKind: 'deployment', node: 'node-1', phase: 'Running', ready: true, restarts: 0, restartsInWindow: 0 });
    const [envoy, webContainer] = web.containers;
    // The latest reading: cpu 0.05 × 10 at minute 9, against a limit of 1.
    expect(webContainer).toMatchObject({ name: 'web', cpuLimit: 1, memory: 400, memoryLimit: 1000, ready: true });
    expect(webContainer.cpu).toBeCloseTo(0.5);
    expect(webContainer.cpuOfLimit).toBeCloseTo(0.5);
    expect(webContainer.memoryOfLimit).toBeCloseTo(0.4);
    expect(envoy).toMatchObject({ name: 'envoy', cpuLimit: null, cpuOfLimit: null, memoryOfLimit: null });
    expect(worker).toMatchObject({ workloadKind: '', phase: 'Running', ready: false, restarts: 5, restartsInWindow: 2 });
    expect(pending).toMatchObject({ phase: 'Pending', ready: false });

    const shop = await q.map('eu', 'k1', { ...WINDOW, cluster: 'prod', namespace: 'batch' });
    expect(shop.pods.map((p) => p.name)).toEqual(['pending-0']);
    expect(shop.namespaces).toEqual(['batch', 'shop']);
    // No cluster asked: the first; the demo's says so.
    const first = await q.map('eu', 'k1', WINDOW);
    expect(first).toMatchObject({ cluster: 'demo', demo: true });
    expect(first.pods[0]).toMatchObject({ name: 'demo-1', demo: true });
  });

  it('is tenant-scoped and empty outside the window', async () => {
    const other = await q.map('eu', 'other', WINDOW);
    expect(other.pods.map((p) => p.name)).toEqual(['theirs-1']);
    expect((await q.map('eu', 'nobody', WINDOW)).cluster).toBeNull();
    const before = await q.map('eu', 'k1', { from: new Date(BASE_MS - 3 * 3600_000), to: new Date(BASE_MS - 2 * 3600_000) });
    expect(before).toMatchObject({ clusters: [], cluster: null, pods: [] });
    expect((await q.pod('eu', 'other', { ...WINDOW, cluster: 'prod', namespace: 'shop', pod: 'worker-5c6d7e8f9a-q7w3z' })).pod).toBeNull();
  });

  it("reads a pod's container series per step and the services whose spans came from it", async () => {
    const d = await q.pod('eu', 'k1', { ...WINDOW, cluster: 'prod', namespace: 'shop', pod: 'worker-5c6d7e8f9a-q7w3z' });
    expect(d.pod).toMatchObject({ cluster: 'prod', namespace: 'shop', name: 'worker-5c6d7e8f9a-q7w3z', node: 'node-1', workload: 'worker', phase: 'Running' });
    expect(d.stepSeconds).toBe(60);
    expect(d.times).toHaveLength(15);
    expect(d.containers.map((c) => c.name)).toEqual(['worker']);
    const [worker] = d.containers;
    expect(worker).toMatchObject({ cpuLimit: 0.5, memoryLimit: 1000 });
    expect(worker.restarts.slice(0, 11)).toEqual([3, 3, 3, 3, 4, 4, 4, 4, 5, 5, null]);
    expect(worker.ready.slice(7, 10)).toEqual([1, 0, 0]);
    expect(worker.cpu[0]).toBeCloseTo(0.02);
    expect(worker.memory[3]).toBe(900);
    expect(d.services).toEqual([
      { service: 'worker', spans: 2, via: 'host.name' },
      { service: 'sidecar', spans: 1, via: 'k8s.pod.name' },
    ]);
    expect((await q.pod('eu', 'k1', { ...WINDOW, cluster: 'prod', namespace: 'shop', pod: 'nope' })).pod).toBeNull();
  });

  it('refuses bad input naming the field', async () => {
    await expect(q.map('eu', 'k1', { ...WINDOW, namespace: '' })).rejects.toMatchObject({ field: 'namespace' });
    await expect(q.map('eu', 'k1', { from: new Date(BASE_MS - 2 * 86400_000), to: new Date(BASE_MS) })).rejects.toMatchObject({ field: 'to' });
    await expect(q.pod('eu', 'k1', { ...WINDOW, cluster: 'prod', namespace: 'shop', pod: 'x'.repeat(2000) })).rejects.toBeInstanceOf(QueryValidationError);
    await expect(q.pod('eu', '', { ...WINDOW, cluster: 'prod', namespace: 'shop', pod: 'x' })).rejects.toMatchObject({ field: 'tenantId' });
  });

  it('infers a workload from a pod name', () => {
    expect(workloadFromPodName('storefront-7d9f8b6c5d-x2k9p')).toBe('storefront');
    expect(workloadFromPodName('postgres-0')).toBe('postgres');
    expect(workloadFromPodName('node-exporter-abcde')).toBe('node-exporter');
    expect(workloadFromPodName('solo')).toBe('solo');
  });
});
