/**
 * Kubernetes reads: the map of one cluster (namespace → workload → pod → container, latest
 * figures) from `k8s_latest_5m`, and one pod's container series from `k8s_container_1m` (both
 * filled at insert by migration 11's materialized views), plus the services whose spans came from
 * that pod. Raw metric points are never read.
 */
import { ROLLUP_TIME_RANGE_MS } from '@meridian/domain';
import type { ClickHouseClients } from '../clients';
import { QueryValidationError } from '../errors';
import { chooseStep } from './metric-explorer.queries';
import { checkName, checkTenant, checkWindow, msInWindow, select, selectCompact, type TimeWindow } from './sql';

export const KUBERNETES_LIMITS = {
  /** The map shows at most this many pods of one cluster (or namespace); `truncated` says when there were more. */
  maxPods: 10_000,
  maxWindowMs: 7 * 86400_000,
  /** Longest window of the map (it shows the latest figures; restarts are counted over the window). */
  maxMapWindowMs: 86400_000,
  clusters: 100,
  namespaces: 1000,
  /** Spans looked at for a pod's services: the last hour of the window at most. */
  servicesLookbackMs: 3600_000,
  services: 20,
} as const;

/** What the map reads of each pod and container. */
const MAP_METRICS = [
  'container.cpu.usage',
  'container.memory.working_set',
  'k8s.container.cpu_limit',
  'k8s.container.memory_limit',
  'k8s.container.cpu_limit_utilization',
  'k8s.container.memory_limit_utilization',
  'k8s.container.restarts',
  'k8s.container.ready',
  'k8s.pod.phase',
] as const;
type MapMetric = (typeof MAP_METRICS)[number];
/** The map's buckets are 5 minutes long (`k8s_latest_5m`). */
const BUCKET_S = 300;

/** k8s.pod.phase values (k8s_cluster receiver): 1 Pending, 2 Running, 3 Succeeded, 4 Failed, 5 Unknown. */
export const POD_PHASES = { 1: 'Pending', 2: 'Running', 3: 'Succeeded', 4: 'Failed', 5: 'Unknown' } as const;
export type PodPhase = (typeof POD_PHASES)[keyof typeof POD_PHASES];

export interface KubernetesCluster {
  /** '' when the resources carry no k8s.cluster.name. */
  name: string;
  pods: number;
  demo: boolean;
}

export interface ContainerFigures {
  name: string;
  /** Cores in use; null when not reported (a pending pod). */
  cpu: number | null;
  cpuLimit: number | null;
  /** Use against the limit (0–1+): the receiver's *_limit_utilization when sent, else use / limit; null without a limit. */
  cpuOfLimit: number | null;
  /** Working set, bytes. */
  memory: number | null;
  memoryLimit: number | null;
  memoryOfLimit: number | null;
  restarts: number;
  /** Restarts counted within the window. */
  restartsInWindow: number;
  ready: boolean | null;
}

export interface PodFigures {
  namespace: string;
  /** deployment, statefulset, daemonset, job, cronjob; '' when inferred from the pod name or unknown. */
  workloadKind: string;
  workload: string;
  name: string;
  node: string;
  phase: PodPhase | null;
  /** Running with every container ready (Succeeded pods count as ready). */
  ready: boolean;
  restarts: number;
  restartsInWindow: number;
  demo: boolean;
  containers: ContainerFigures[];
}

export interface KubernetesMapQuery extends TimeWindow {
  cluster?: string;
  namespace?: string;
}

export interface KubernetesMap {
  clusters: KubernetesCluster[];
  /** The cluster shown: the one asked for, else the first; null when the tenant sends no pod metrics. */
  cluster: string | null;
  namespaces: string[];
  demo: boolean;
  pods: PodFigures[];
  truncated: boolean;
}

export interface PodQuery extends TimeWindow {
  cluster: string;
  namespace: string;
  pod: string;
}

export interface ContainerSeries {
  name: string;
  cpuLimit: number | null;
  memoryLimit: number | null;
  /** One per entry of `times`, null where nothing was reported: average cores, average working set, highest restart count, lowest readiness (0/1). */
  cpu: Array<number | null>;
  memory: Array<number | null>;
  restarts: Array<number | null>;
  ready: Array<number | null>;
}

export interface PodService {
  service: string;
  spans: number;
  /** Which resource attribute tied the spans to the pod (host.name: a container's hostname is its pod's name). */
  via: 'host.name' | 'k8s.pod.name';
}

export interface PodDetail {
  pod: { cluster: string; namespace: string; name: string; node: string; workloadKind: string; workload: string; phase: PodPhase | null; demo: boolean } | null;
  stepSeconds: number;
  times: number[];
  containers: ContainerSeries[];
  services: PodService[];
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/**
 * A workload name from a pod name when no resource says it (no k8sattributes processor):
 * `<deployment>-<pod-template-hash>-<5 chars>` → the deployment, `<name>-<suffix>` → the name.
 */
export function workloadFromPodName(pod: string): string {
  const parts = pod.split('-');
  if (parts.length < 2) return pod;
  parts.pop();
  const hash = parts[parts.length - 1];
  if (parts.length > 1 && /^[a-z0-9]{6,10}$/.test(hash) && /\d/.test(hash)) parts.pop();
  return parts.join('-');
}

export class KubernetesQueries {
  constructor(readonly clients: ClickHouseClients) {}

  /** One cluster's pods and containers with their latest figures; the tenant's clusters and the cluster's namespaces for the pickers. */
  async map(regionId: string, tenantId: string, q: KubernetesMapQuery): Promise<KubernetesMap> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, KUBERNETES_LIMITS.maxMapWindowMs, ROLLUP_TIME_RANGE_MS);
    const window = { tenant, from_s: Math.floor(fromMs / 1000 / BUCKET_S) * BUCKET_S, to_s: Math.ceil(toMs / 1000 / BUCKET_S) * BUCKET_S };
    // A cluster may be unnamed (''), so only its length is checked.
    if (q.cluster !== undefined && (typeof q.cluster !== 'string' || q.cluster.length > 1024)) {
      throw new QueryValidationError('cluster', 'must be a string of at most 1024 characters');
    }
    const namespace = q.namespace === undefined ? undefined : checkName('namespace', q.namespace);
    const store = this.clients.forRegion(regionId);
    const table = store.table('k8s_latest_5m');
    const inWindow = 'tenant_id = {tenant:String} AND bucket >= toDateTime({from_s:UInt32}) AND bucket < toDateTime({to_s:UInt32})';

    const clusterRows = await select<{ name: string; pods: string; demo: number }>(
      store,
      `SELECT toString(cluster) AS name, uniqExact(namespace, pod) AS pods, max(demo) AS demo
      FROM ${table} WHERE ${inWindow}
      GROUP BY name ORDER BY name LIMIT ${KUBERNETES_LIMITS.clusters}`,
      window,
    );
    const clusters = clusterRows.map((c) => ({ name: c.name, pods: Number(c.pods), demo: Number(c.demo) === 1 }));
    const cluster = q.cluster ?? clusters[0]?.name;
    if (cluster === undefined) return { clusters, cluster: null, namespaces: [], demo: false, pods: [], truncated: false };
    const podsInCluster = clusters.find((c) => c.name === cluster)?.pods ?? 0;

    const params = { ...window, cluster, namespace: namespace ?? '' };
    const namespaces = await select<{ ns: string }>(
      store,
      `SELECT DISTINCT toString(namespace) AS ns FROM ${table} WHERE ${inWindow} AND cluster = {cluster:String}
      ORDER BY ns LIMIT ${KUBERNETES_LIMITS.namespaces}`,
      params,
    );
    const inScope = `${inWindow} AND cluster = {cluster:String} AND ({namespace:String} = '' OR namespace = {namespace:String})`;
    // Only a cluster with more pods than the map draws needs the pods cut (a second pass over its rows).
    const cut =
      podsInCluster > KUBERNETES_LIMITS.maxPods
        ? `AND (namespace, pod) IN (SELECT DISTINCT namespace, pod FROM ${table} WHERE ${inScope} ORDER BY namespace, pod LIMIT ${KUBERNETES_LIMITS.maxPods})`
        : '';
    // One row per pod, its containers (and '' for the pod itself) as tuples: [container, metrics seen (bit i: MAP_METRICS[i]), last value of each, restarts' low and high].
    // Compact rows with rounded numbers: at thousands of pods, reading and parsing the answer cost more than the aggregation.
    const last = MAP_METRICS.map((m, i) => `round(argMaxMergeIf(last, metric_name = '${m}'), 6) AS m${i}`).join(', ');
    type ContainerTuple = [string, number, ...number[]];
    const rows = await selectCompact<[string, string, string, string, string, number, ContainerTuple[]]>(
      store,
      `SELECT toString(namespace), toString(pod), max(n), max(k), max(w), max(d), groupArray((toString(container), seen, ${MAP_METRICS.map((_, i) => `m${i}`).join(', ')}, lo, hi))
      FROM (
        SELECT namespace, pod, container, max(node) AS n, max(workload_kind) AS k, max(workload) AS w, max(demo) AS d,
          groupBitOr(bitShiftLeft(toUInt32(1), indexOf([${MAP_METRICS.map((m) => `'${m}'`).join(', ')}], metric_name) - 1)) AS seen,
          ${last},
          minIf(min, metric_name = 'k8s.container.restarts') AS lo, maxIf(max, metric_name = 'k8s.container.restarts') AS hi
        FROM ${table}
        WHERE ${inScope} AND metric_name IN (${MAP_METRICS.map((m) => `'${m}'`).join(', ')}) ${cut}
        GROUP BY namespace, pod, container
      )
      GROUP BY namespace, pod
      ORDER BY namespace, pod`,
      params,
    );
    const pods: PodFigures[] = [];
    for (const [ns, name, node, wk, wl, dm, tuples] of rows) {
      const pod: PodFigures = {
        namespace: ns,
        name,
        workloadKind: wl ? wk : '',
        workload: wl || workloadFromPodName(name),
        node,
        phase: null,
        ready: false,
        restarts: 0,
        restartsInWindow: 0,
        demo: Number(dm) === 1,
        containers: [],
      };
      for (const [container, seen, ...figures] of tuples.sort((a, b) => a[0].localeCompare(b[0]))) {
        const lastOf = (m: MapMetric) => {
          const i = MAP_METRICS.indexOf(m);
          return (Number(seen) >> i) & 1 ? num(figures[i]) : null;
        };
        if (container === '') {
          const phase = lastOf('k8s.pod.phase');
          pod.phase = phase === null ? null : (POD_PHASES[phase as keyof typeof POD_PHASES] ?? 'Unknown');
          continue;
        }
        const [lo, hi] = figures.slice(MAP_METRICS.length).map((v) => num(v) ?? 0);
        const cpu = lastOf('container.cpu.usage');
        const cpuLimit = lastOf('k8s.container.cpu_limit');
        const memory = lastOf('container.memory.working_set');
        const memoryLimit = lastOf('k8s.container.memory_limit');
        const ready = lastOf('k8s.container.ready');
        pod.containers.push({
          name: container,
          cpu,
          cpuLimit,
          cpuOfLimit: lastOf('k8s.container.cpu_limit_utilization') ?? ratio(cpu, cpuLimit),
          memory,
          memoryLimit,
          memoryOfLimit: lastOf('k8s.container.memory_limit_utilization') ?? ratio(memory, memoryLimit),
          restarts: lastOf('k8s.container.restarts') ?? 0,
          restartsInWindow: Math.max(0, hi - lo),
          ready: ready === null ? null : ready >= 1,
        });
      }
      pod.restarts = pod.containers.reduce((a, c) => a + c.restarts, 0);
      pod.restartsInWindow = pod.containers.reduce((a, c) => a + c.restartsInWindow, 0);
      pod.ready = pod.phase === 'Succeeded' || ((pod.phase === 'Running' || pod.phase === null) && pod.containers.every((c) => c.ready !== false));
      pods.push(pod);
    }
    return {
      clusters,
      cluster,
      namespaces: namespaces.map((n) => n.ns),
      demo: clusters.find((c) => c.name === cluster)?.demo ?? false,
      pods,
      truncated: podsInCluster > KUBERNETES_LIMITS.maxPods && (namespace === undefined || pods.length === KUBERNETES_LIMITS.maxPods),
    };
  }

  /** One pod: its containers' CPU, memory, restarts and readiness per step, and the services whose spans came from it. */
  async pod(regionId: string, tenantId: string, q: PodQuery): Promise<PodDetail> {
    const tenant = checkTenant(tenantId);
    const { fromMs, toMs } = checkWindow(q, KUBERNETES_LIMITS.maxWindowMs, ROLLUP_TIME_RANGE_MS);
    if (typeof q.cluster !== 'string' || q.cluster.length > 1024) throw new QueryValidationError('cluster', 'must be a string of at most 1024 characters');
    const namespace = checkName('namespace', q.namespace);
    const podName = checkName('pod', q.pod);
    const stepSeconds = chooseStep(toMs - fromMs);
    const stepMs = stepSeconds * 1000;
    const alignedFromMs = Math.floor(fromMs / stepMs) * stepMs;
    const times: number[] = [];
    for (let t = alignedFromMs; t < toMs; t += stepMs) times.push(t);
    const store = this.clients.forRegion(regionId);
    const params = {
      tenant,
      cluster: q.cluster,
      namespace,
      pod: podName,
      from_s: Math.floor(alignedFromMs / 1000),
      to_s: Math.ceil(toMs / 60_000) * 60,
      step: stepSeconds,
    };
    const rows = await select<{ container: string; metric: string; t: string; avg: number; hi: number; lo: number }>(
      store,
      `SELECT toString(container) AS container, toString(metric_name) AS metric, toUInt32(toStartOfInterval(minute, INTERVAL {step:UInt32} SECOND)) AS t,
        sum(sum) / sum(count) AS avg, max(max) AS hi, min(min) AS lo
      FROM ${store.table('k8s_container_1m')}
      WHERE tenant_id = {tenant:String} AND cluster = {cluster:String} AND namespace = {namespace:String} AND pod = {pod:String}
        AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
      GROUP BY container, metric, t
      ORDER BY container, t`,
      params,
    );
    const about = await select<{ node: string; wk: string; wl: string; dm: number; limits: string[]; lv: number[]; phase: number | null; seen: string }>(
      store,
      `SELECT max(node) AS node, max(workload_kind) AS wk, max(workload) AS wl, max(demo) AS dm,
        groupArrayIf(concat(toString(container), '\u0000', toString(metric_name)), metric_name IN ('k8s.container.cpu_limit', 'k8s.container.memory_limit')) AS limits,
        groupArrayIf(v, metric_name IN ('k8s.container.cpu_limit', 'k8s.container.memory_limit')) AS lv,
        anyIf(v, metric_name = 'k8s.pod.phase' AND container = '') AS phase, count() AS seen
      FROM (
        SELECT container, metric_name, max(node) AS node, max(workload_kind) AS workload_kind, max(workload) AS workload, max(demo) AS demo, argMaxMerge(last) AS v
        FROM ${store.table('k8s_container_1m')}
        WHERE tenant_id = {tenant:String} AND cluster = {cluster:String} AND namespace = {namespace:String} AND pod = {pod:String}
          AND minute >= toDateTime({from_s:UInt32}) AND minute < toDateTime({to_s:UInt32})
        GROUP BY container, metric_name
      )`,
      params,
    );
    const a = about[0];
    if (!a || Number(a.seen) === 0) return { pod: null, stepSeconds, times, containers: [], services: [] };
    const limits = new Map(a.limits.map((k, i) => [k, num(a.lv[i])]));
    const byContainer = new Map<string, ContainerSeries>();
    const index = new Map(times.map((t, i) => [t, i]));
    for (const r of rows) {
      if (r.container === '') continue;
      let c = byContainer.get(r.container);
      if (!c) {
        const empty = () => times.map(() => null as number | null);
        c = {
          name: r.container,
          cpuLimit: limits.get(`${r.container}\u0000k8s.container.cpu_limit`) ?? null,
          memoryLimit: limits.get(`${r.container}\u0000k8s.container.memory_limit`) ?? null,
          cpu: empty(),
          memory: empty(),
          restarts: empty(),
          ready: empty(),
        };
        byContainer.set(r.container, c);
      }
      const i = index.get(Number(r.t) * 1000);
      if (i === undefined) continue;
      if (r.metric === 'container.cpu.usage') c.cpu[i] = num(r.avg);
      else if (r.metric === 'container.memory.working_set') c.memory[i] = num(r.avg);
      else if (r.metric === 'k8s.container.restarts') c.restarts[i] = num(r.hi);
      else if (r.metric === 'k8s.container.ready') c.ready[i] = num(r.lo);
    }
    const phase = num(a.phase);
    return {
      pod: {
        cluster: q.cluster,
        namespace,
        name: podName,
        node: a.node,
        workloadKind: a.wl ? a.wk : '',
        workload: a.wl || workloadFromPodName(podName),
        phase: phase === null ? null : (POD_PHASES[phase as keyof typeof POD_PHASES] ?? 'Unknown'),
        demo: Number(a.dm) === 1,
      },
      stepSeconds,
      times,
      containers: [...byContainer.values()],
      services: await this.podServices(regionId, tenant, namespace, podName, Math.max(fromMs, toMs - KUBERNETES_LIMITS.servicesLookbackMs), toMs),
    };
  }

  /**
   * Services whose spans came from the pod: spans whose resource names the pod (`k8s.pod.name`
   * and namespace, added by the k8sattributes processor) or whose `host.name` is the pod's name
   * (an SDK's host detector reads the container's hostname, which Kubernetes sets to the pod
   * name). host_name is a LowCardinality column, so it is checked first; the map is read only
   * for spans of the last hour of the window at most.
   */
  private async podServices(regionId: string, tenant: string, namespace: string, pod: string, fromMs: number, toMs: number): Promise<PodService[]> {
    const store = this.clients.forRegion(regionId);
    const rows = await select<{ service: string; spans: string; by_host: number }>(
      store,
      `SELECT toString(service) AS service, count() AS spans, max(host_name = {pod:String}) AS by_host
      FROM ${store.table('spans')}
      WHERE tenant_id = {tenant:String} AND ${msInWindow('ts')}
        AND (host_name = {pod:String}
          OR (resource_attributes['k8s.pod.name'] = {pod:String} AND resource_attributes['k8s.namespace.name'] IN ({namespace:String}, '')))
      GROUP BY service
      ORDER BY spans DESC, service
      LIMIT ${KUBERNETES_LIMITS.services}`,
      { tenant, pod, namespace, from_ms: fromMs, to_ms: toMs },
    );
    return rows.map((r) => ({ service: r.service, spans: Number(r.spans), via: Number(r.by_host) === 1 ? 'host.name' : 'k8s.pod.name' }));
  }
}

function ratio(use: number | null, limit: number | null): number | null {
  return use === null || limit === null || limit <= 0 ? null : use / limit;
}
