import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SERVICES } from '../traffic/scenarios';
import { demoCluster } from './cluster';
import { DemoKubernetesMetrics } from './k8s-metrics';

const T0 = Date.UTC(2026, 11, 7, 0, 0, 0);

/** value of `name` on the resource whose attributes include `where`. */
function value(batch: ResourceMetrics[], where: Record<string, string>, name: string): number | undefined {
  const rm = batch.find(
    (r) => Object.entries(where).every(([k, v]) => r.resource.attributes[k] === v) && r.scopeMetrics[0].metrics.some((m) => m.descriptor.name === name),
  );
  const point = rm?.scopeMetrics[0].metrics.find((m) => m.descriptor.name === name)?.dataPoints[0];
  return point?.value as number | undefined;
}

describe('demo Kubernetes cluster', () => {
  const cluster = demoCluster();

  it('is small and holds the demo services: their pods are named as the traffic’s host.name', () => {
    expect(cluster.nodes).toHaveLength(3);
    const podNames = cluster.pods.map((p) => p.name);
    for (const s of SERVICES) expect(podNames).toContain(s.host);
    expect(new Set(podNames).size).toBe(podNames.length);
    expect(new Set(cluster.pods.map((p) => p.uid)).size).toBe(cluster.pods.length);
    expect(cluster.pods.length).toBeLessThan(30);
    // Stable across starts: the same names and uids.
    expect(demoCluster().pods.map((p) => p.uid)).toEqual(cluster.pods.map((p) => p.uid));
  });

  it('marks every resource as demo data and keeps usage under limits; counters only grow', () => {
    const gen = new DemoKubernetesMetrics(cluster, T0);
    const first = gen.read(T0 + 15_000);
    const later = gen.read(T0 + 615_000);
    for (const rm of [...first, ...later]) expect(rm.resource.attributes).toMatchObject({ 'meridian.demo': 'true', 'k8s.cluster.name': 'meridian-demo' });
    for (const pod of cluster.pods.filter((p) => !p.pending))
      for (const c of pod.workload.containers) {
        const where = { 'k8s.pod.uid': pod.uid, 'k8s.container.name': c.name };
        expect(value(later, where, 'container.memory.usage')).toBeLessThanOrEqual(c.memoryLimit);
        expect(value(later, where, 'container.cpu.usage')).toBeLessThanOrEqual(c.cpuLimit);
        expect(value(later, where, 'container.cpu.time')!).toBeGreaterThan(value(first, where, 'container.cpu.time')!);
      }
    const node = { 'k8s.node.name': 'demo-node-1' };
    expect(value(later, node, 'k8s.node.cpu.usage')!).toBeLessThan(value(later, node, 'k8s.node.allocatable_cpu')!);
  });

  it('one worker crash-loops (restarts grow, not ready after each) and one pod stays Pending', () => {
    const gen = new DemoKubernetesMetrics(cluster, T0);
    const worker = cluster.pods.find((p) => p.workload.name === 'email-worker')!;
    const where = { 'k8s.pod.uid': worker.uid, 'k8s.container.name': 'email-worker' };
    const justRestarted = gen.read(T0 + 310_000);
    const settled = gen.read(T0 + 500_000);
    const twoLater = gen.read(T0 + 910_000);
    expect(value(justRestarted, where, 'k8s.container.ready')).toBe(0);
    expect(value(settled, where, 'k8s.container.ready')).toBe(1);
    expect(value(twoLater, where, 'k8s.container.restarts')!).toBe(value(justRestarted, where, 'k8s.container.restarts')! + 2);
    expect(value(justRestarted, { 'k8s.deployment.name': 'email-worker' }, 'k8s.deployment.available')).toBe(0);

    const pending = cluster.pods.find((p) => p.pending)!;
    expect(value(settled, { 'k8s.pod.uid': pending.uid }, 'k8s.pod.phase')).toBe(1);
    expect(value(settled, { 'k8s.pod.uid': pending.uid }, 'k8s.pod.cpu.usage')).toBeUndefined();
    expect(value(settled, { 'k8s.deployment.name': pending.workload.name }, 'k8s.deployment.desired')).toBe(3);
    expect(value(settled, { 'k8s.deployment.name': pending.workload.name }, 'k8s.deployment.available')).toBe(2);
  });
});
