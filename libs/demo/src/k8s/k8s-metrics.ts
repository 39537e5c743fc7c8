// Readings of the demo cluster as OTLP, shaped as the Collector's kubeletstats receiver (node,
// pod and container usage) and k8s_cluster receiver (requests, limits, restarts, readiness,
// phases, desired/available replicas) send them after the k8sattributes processor has added the
// workload names. Every resource carries meridian.demo=true: generated, not measured.

import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createRng, type Rng } from '../traffic/prng';
import type { DemoCluster, DemoContainer, DemoNode, DemoPod } from './cluster';

export const K8S_DEMO_SCOPE = { name: '@meridian/demo/k8s', version: '0.0.0' };

type Kind = 'gauge' | 'counter';
/** name → unit, kind and whether the receiver sends it as an int (value_type in its metadata.yaml). */
const SPECS: Record<string, { unit: string; kind: Kind; int: boolean }> = {
  'k8s.node.cpu.usage': { unit: '{cpu}', kind: 'gauge', int: false },
  'k8s.node.cpu.time': { unit: 's', kind: 'counter', int: false },
  'k8s.node.memory.usage': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.memory.working_set': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.memory.available': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.filesystem.usage': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.filesystem.capacity': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.filesystem.available': { unit: 'By', kind: 'gauge', int: true },
  'k8s.node.network.io': { unit: 'By', kind: 'counter', int: true },
  // k8s_cluster's allocatable_types_to_report: [cpu, memory]
  'k8s.node.allocatable_cpu': { unit: '{cpu}', kind: 'gauge', int: false },
  'k8s.node.allocatable_memory': { unit: 'By', kind: 'gauge', int: true },
  'k8s.pod.cpu.usage': { unit: '{cpu}', kind: 'gauge', int: false },
  'k8s.pod.cpu.time': { unit: 's', kind: 'counter', int: false },
  'k8s.pod.memory.usage': { unit: 'By', kind: 'gauge', int: true },
  'k8s.pod.memory.working_set': { unit: 'By', kind: 'gauge', int: true },
  'k8s.pod.network.io': { unit: 'By', kind: 'counter', int: true },
  'k8s.pod.phase': { unit: '', kind: 'gauge', int: true },
  'container.cpu.usage': { unit: '{cpu}', kind: 'gauge', int: false },
  'container.cpu.time': { unit: 's', kind: 'counter', int: false },
  'container.memory.usage': { unit: 'By', kind: 'gauge', int: true },
  'container.memory.working_set': { unit: 'By', kind: 'gauge', int: true },
  'container.memory.rss': { unit: 'By', kind: 'gauge', int: true },
  'container.memory.available': { unit: 'By', kind: 'gauge', int: true },
  'k8s.container.cpu_request': { unit: '{cpu}', kind: 'gauge', int: false },
  'k8s.container.cpu_limit': { unit: '{cpu}', kind: 'gauge', int: false },
  'k8s.container.memory_request': { unit: 'By', kind: 'gauge', int: true },
  'k8s.container.memory_limit': { unit: 'By', kind: 'gauge', int: true },
  'k8s.container.restarts': { unit: '{restart}', kind: 'gauge', int: true },
  'k8s.container.ready': { unit: '', kind: 'gauge', int: true },
  'k8s.deployment.desired': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.deployment.available': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.replicaset.desired': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.replicaset.available': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.statefulset.desired_pods': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.statefulset.ready_pods': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.statefulset.current_pods': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.statefulset.updated_pods': { unit: '{pod}', kind: 'gauge', int: true },
  'k8s.daemonset.desired_scheduled_nodes': { unit: '{node}', kind: 'gauge', int: true },
  'k8s.daemonset.current_scheduled_nodes': { unit: '{node}', kind: 'gauge', int: true },
  'k8s.daemonset.ready_nodes': { unit: '{node}', kind: 'gauge', int: true },
  'k8s.daemonset.misscheduled_nodes': { unit: '{node}', kind: 'gauge', int: true },
  'k8s.namespace.phase': { unit: '', kind: 'gauge', int: true },
};

export const K8S_DEMO_METRICS: ReadonlyArray<{ name: string; unit: string; kind: Kind; int: boolean }> = Object.entries(SPECS).map(([name, s]) => ({
  name,
  ...s,
}));

const GIB = 1024 * 1024 * 1024;
/** What the kubelet and system daemons use on every node besides the pods. */
const NODE_OVERHEAD = { cpu: 0.3, memory: 1.5 * GIB };
/** Seconds a crash-looping container stays not ready after each restart (back-off and start). */
const NOT_READY_AFTER_CRASH_S = 60;

interface ContainerUsage {
  cpu: number;
  memory: number;
  ready: boolean;
  restarts: number;
}

/**
 * Generates readings of a demo cluster over time: usage moves in slow waves with a little noise,
 * cumulative counters (CPU time, network bytes) grow with it, one container crash-loops, one pod
 * stays Pending. `read(now)` is called once per export interval.
 */
export class DemoKubernetesMetrics {
  private readonly rng: Rng;
  private readonly cpuSeconds = new Map<string, number>();
  private readonly networkBytes = new Map<string, number>();
  private lastMs: number;

  constructor(
    private readonly cluster: DemoCluster,
    private readonly startMs: number,
    seed = 7,
  ) {
    this.rng = createRng(seed);
    this.lastMs = startMs;
  }

  read(nowMs: number): ResourceMetrics[] {
    const dt = Math.max(0, (nowMs - this.lastMs) / 1000);
    this.lastMs = nowMs;
    const base = { 'k8s.cluster.name': this.cluster.name, 'meridian.demo': 'true' };
    const out: ResourceMetrics[] = [];
    const emit = (resource: Record<string, string>, readings: Record<string, Array<[Record<string, string>, number]> | number>) =>
      out.push(this.resourceMetrics({ ...base, ...resource }, readings, nowMs));

    const usage = new Map<DemoPod, ContainerUsage[]>();
    for (const pod of this.cluster.pods)
      usage.set(
        pod,
        pod.workload.containers.map((c) => this.containerUsage(pod, c, nowMs)),
      );

    for (const node of this.cluster.nodes) {
      const pods = this.cluster.pods.filter((p) => p.node === node && !p.pending);
      const cpu = NODE_OVERHEAD.cpu + sum(pods.flatMap((p) => usage.get(p)!.map((u) => u.cpu)));
      const memory = NODE_OVERHEAD.memory + sum(pods.flatMap((p) => usage.get(p)!.map((u) => u.memory)));
      const fsUsed = 38 * GIB + pods.length * 1.2 * GIB;
      emit(nodeResource(node), {
        'k8s.node.cpu.usage': cpu,
        'k8s.node.cpu.time': this.accumulate(this.cpuSeconds, `node/${node.name}`, cpu * dt),
        'k8s.node.memory.usage': memory,
        'k8s.node.memory.working_set': memory * 0.85,
        'k8s.node.memory.available': node.allocatableMemory - memory * 0.85,
        'k8s.node.filesystem.usage': fsUsed,
        'k8s.node.filesystem.capacity': 100 * GIB,
        'k8s.node.filesystem.available': 100 * GIB - fsUsed,
        'k8s.node.network.io': this.network(`node/${node.name}`, cpu, dt),
        'k8s.node.allocatable_cpu': node.allocatableCpu,
        'k8s.node.allocatable_memory': node.allocatableMemory,
      });
    }

    for (const pod of this.cluster.pods) {
      const containers = usage.get(pod)!;
      const podAttrs = podResource(pod);
      const podReadings: Record<string, Array<[Record<string, string>, number]> | number> = { 'k8s.pod.phase': pod.pending ? 1 : 2 };
      if (!pod.pending) {
        const cpu = sum(containers.map((u) => u.cpu));
        const memory = sum(containers.map((u) => u.memory));
        Object.assign(podReadings, {
          'k8s.pod.cpu.usage': cpu,
          'k8s.pod.cpu.time': this.accumulate(this.cpuSeconds, `pod/${pod.uid}`, cpu * dt),
          'k8s.pod.memory.usage': memory,
          'k8s.pod.memory.working_set': memory * 0.9,
          'k8s.pod.network.io': this.network(`pod/${pod.uid}`, cpu, dt),
        });
      }
      emit(podAttrs, podReadings);
      pod.workload.containers.forEach((c, i) => {
        const u = containers[i];
        const readings: Record<string, Array<[Record<string, string>, number]> | number> = {
          'k8s.container.cpu_request': c.cpuRequest,
          'k8s.container.cpu_limit': c.cpuLimit,
          'k8s.container.memory_request': c.memoryRequest,
          'k8s.container.memory_limit': c.memoryLimit,
          'k8s.container.restarts': u.restarts,
          'k8s.container.ready': u.ready ? 1 : 0,
        };
        if (!pod.pending)
          Object.assign(readings, {
            'container.cpu.usage': u.cpu,
            'container.cpu.time': this.accumulate(this.cpuSeconds, `container/${pod.uid}/${c.name}`, u.cpu * dt),
            'container.memory.usage': u.memory,
            'container.memory.working_set': u.memory * 0.9,
            'container.memory.rss': u.memory * 0.75,
            'container.memory.available': Math.max(0, c.memoryLimit - u.memory * 0.9),
          });
        emit(
          {
            ...podAttrs,
            'k8s.container.name': c.name,
            // 64 hex digits, as containerd ids are; stable per pod and container.
            'container.id': `containerd://${pod.uid.replace(/-/g, '')}${hash(c.name).toString(16).padStart(8, '0').repeat(4)}`,
            'container.image.name': c.image,
            'container.image.tag': c.tag,
          },
          readings,
        );
      });
    }

    for (const w of this.cluster.workloads) {
      const pods = this.cluster.pods.filter((p) => p.workload === w);
      const ready = pods.filter((p) => !p.pending && usage.get(p)!.every((u) => u.ready)).length;
      const running = pods.filter((p) => !p.pending).length;
      const ns = { 'k8s.namespace.name': w.namespace };
      if (w.kind === 'deployment') {
        emit(
          { ...ns, 'k8s.deployment.name': w.name, 'k8s.deployment.uid': w.uid },
          { 'k8s.deployment.desired': w.replicas, 'k8s.deployment.available': ready },
        );
        const rs = pods[0]?.replicaSet;
        if (rs)
          emit(
            { ...ns, 'k8s.replicaset.name': rs.name, 'k8s.replicaset.uid': rs.uid, 'k8s.deployment.name': w.name },
            { 'k8s.replicaset.desired': w.replicas, 'k8s.replicaset.available': ready },
          );
      } else if (w.kind === 'statefulset') {
        emit(
          { ...ns, 'k8s.statefulset.name': w.name, 'k8s.statefulset.uid': w.uid },
          {
            'k8s.statefulset.desired_pods': w.replicas,
            'k8s.statefulset.ready_pods': ready,
            'k8s.statefulset.current_pods': running,
            'k8s.statefulset.updated_pods': running,
          },
        );
      } else {
        emit(
          { ...ns, 'k8s.daemonset.name': w.name, 'k8s.daemonset.uid': w.uid },
          {
            'k8s.daemonset.desired_scheduled_nodes': w.replicas,
            'k8s.daemonset.current_scheduled_nodes': running,
            'k8s.daemonset.ready_nodes': ready,
            'k8s.daemonset.misscheduled_nodes': 0,
          },
        );
      }
    }
    for (const ns of this.cluster.namespaces) emit({ 'k8s.namespace.name': ns.name, 'k8s.namespace.uid': ns.uid }, { 'k8s.namespace.phase': 1 });
    return out;
  }

  private containerUsage(pod: DemoPod, c: DemoContainer, nowMs: number): ContainerUsage {
    if (pod.pending) return { cpu: 0, memory: 0, ready: false, restarts: 0 };
    const t = (nowMs - this.startMs) / 1000;
    // A phase per pod and container, so replicas do not move in lockstep.
    const phase = (hash(pod.uid + c.name) % 628) / 100;
    const wave = Math.sin((2 * Math.PI * t) / 900 + phase);
    const noise = 1 + (this.rng.next() - 0.5) * 0.16;
    const cpu = Math.min(c.cpuLimit, c.cpuBase * (1 + 0.35 * wave) * noise);
    if (c.crashEverySeconds) {
      // Memory grows until the limit kills it; the kubelet restarts it and it takes a while to be ready.
      const sinceRestart = t % c.crashEverySeconds;
      return {
        cpu,
        memory: c.memoryLimit * (0.3 + 0.68 * (sinceRestart / c.crashEverySeconds)),
        ready: sinceRestart >= NOT_READY_AFTER_CRASH_S,
        restarts: 3 + Math.floor(t / c.crashEverySeconds),
      };
    }
    const memory = Math.min(c.memoryLimit * 0.97, c.memoryBase * (1 + 0.06 * wave) * (1 + (this.rng.next() - 0.5) * 0.02));
    return { cpu, memory, ready: true, restarts: 0 };
  }

  /** Bytes per direction, growing with how busy the thing is. */
  private network(key: string, cpu: number, dt: number): Array<[Record<string, string>, number]> {
    return [
      [{ interface: 'eth0', direction: 'receive' }, this.accumulate(this.networkBytes, `${key}/rx`, cpu * 2_000_000 * dt)],
      [{ interface: 'eth0', direction: 'transmit' }, this.accumulate(this.networkBytes, `${key}/tx`, cpu * 1_200_000 * dt)],
    ];
  }

  private accumulate(totals: Map<string, number>, key: string, add: number): number {
    const v = (totals.get(key) ?? 0) + add;
    totals.set(key, v);
    return v;
  }

  private resourceMetrics(
    resource: Record<string, string>,
    readings: Record<string, Array<[Record<string, string>, number]> | number>,
    nowMs: number,
  ): ResourceMetrics {
    const start = hrTime(this.startMs);
    const end = hrTime(nowMs);
    const metrics: MetricData[] = Object.entries(readings).map(([name, r]) => {
      const s = SPECS[name];
      const descriptor = { name, description: '', unit: s.unit, valueType: s.int ? ValueType.INT : ValueType.DOUBLE };
      const dataPoints = (typeof r === 'number' ? [[{}, r] as [Record<string, string>, number]] : r).map(([attributes, value]) => ({
        startTime: s.kind === 'gauge' ? end : start,
        endTime: end,
        attributes: attributes as Attributes,
        value: s.int ? Math.round(value) : value,
      }));
      return s.kind === 'gauge'
        ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints }
        : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints };
    });
    return { resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: K8S_DEMO_SCOPE, metrics }] };
  }
}

function nodeResource(node: DemoNode): Record<string, string> {
  return { 'k8s.node.name': node.name, 'k8s.node.uid': node.uid };
}

/** A pod's resource as kubeletstats + the k8sattributes processor give it: namespace, node and owning workload. */
function podResource(pod: DemoPod): Record<string, string> {
  const attrs: Record<string, string> = {
    'k8s.namespace.name': pod.namespace,
    'k8s.node.name': pod.node.name,
    'k8s.pod.name': pod.name,
    'k8s.pod.uid': pod.uid,
  };
  attrs[`k8s.${pod.workload.kind}.name`] = pod.workload.name;
  if (pod.replicaSet) attrs['k8s.replicaset.name'] = pod.replicaSet.name;
  return attrs;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}
