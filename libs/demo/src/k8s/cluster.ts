// The demo's Kubernetes cluster: a fixed, small model (nodes, namespaces, workloads, pods,
// containers with requests and limits) whose pods include the demo traffic's services under the
// same names as their `host.name`, so a pod leads to its service's traces. Kubernetes cannot run
// here: this is demo data, and every resource built from it says so (meridian.demo=true).

import { SERVICES } from '../traffic/scenarios';

export const DEMO_CLUSTER_NAME = 'meridian-demo';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export interface DemoNode {
  name: string;
  uid: string;
  allocatableCpu: number;
  allocatableMemory: number;
}

export interface DemoContainer {
  name: string;
  image: string;
  tag: string;
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
  /** Typical use; the generator varies it over time. */
  cpuBase: number;
  memoryBase: number;
  /** Restarts every `crashEverySeconds` and is not ready for a while after each. */
  crashEverySeconds?: number;
}

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

export interface DemoWorkload {
  kind: WorkloadKind;
  name: string;
  uid: string;
  namespace: string;
  /** Pods wanted; a daemonset wants one per node. */
  replicas: number;
  containers: DemoContainer[];
}

export interface DemoPod {
  name: string;
  uid: string;
  namespace: string;
  node: DemoNode;
  workload: DemoWorkload;
  /** The replicaset between a deployment and its pods (its name is the pod name's prefix). */
  replicaSet?: { name: string; uid: string };
  /** Pending pods are scheduled nowhere yet: no usage, only their phase and specs. */
  pending: boolean;
  /** The demo service this pod runs, when it is one of the traffic's services. */
  service?: string;
}

export interface DemoCluster {
  name: string;
  nodes: DemoNode[];
  namespaces: Array<{ name: string; uid: string }>;
  workloads: DemoWorkload[];
  pods: DemoPod[];
}

/** A stable, UUID-shaped id from a name, so the same object keeps its uid across restarts. */
function uid(name: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const c of name) {
    h1 = Math.imul(h1 ^ c.charCodeAt(0), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c.charCodeAt(0), 0x5bd1e995) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function container(
  name: string,
  image: string,
  tag: string,
  cpu: [number, number, number],
  memoryMiB: [number, number, number],
  crashEverySeconds?: number,
): DemoContainer {
  const [cpuBase, cpuRequest, cpuLimit] = cpu;
  const [memBase, memRequest, memLimit] = memoryMiB;
  return {
    name,
    image,
    tag,
    cpuBase,
    cpuRequest,
    cpuLimit,
    memoryBase: memBase * MIB,
    memoryRequest: memRequest * MIB,
    memoryLimit: memLimit * MIB,
    ...(crashEverySeconds ? { crashEverySeconds } : {}),
  };
}

const sidecar = () => container('istio-proxy', 'docker.io/istio/proxyv2', '1.23.2', [0.03, 0.1, 0.5], [60, 128, 256]);

/** Three nodes; the demo services in `shop` and `payments`; a collector on every node; a crash-looping worker and a pod that cannot be scheduled. */
export function demoCluster(): DemoCluster {
  const nodes: DemoNode[] = [1, 2, 3].map((i) => ({ name: `demo-node-${i}`, uid: uid(`node/${i}`), allocatableCpu: 4, allocatableMemory: 16 * GIB }));
  const namespaces = ['shop', 'payments', 'monitoring'].map((name) => ({ name, uid: uid(`ns/${name}`) }));
  const service = (name: string) => SERVICES.find((s) => s.name === name)!;
  const app = (name: string, cpu: [number, number, number], mem: [number, number, number]) =>
    container(name, `ghcr.io/meridian-demo/${name}`, service(name).version, cpu, mem);
  const workload = (kind: WorkloadKind, name: string, namespace: string, replicas: number, containers: DemoContainer[]): DemoWorkload => ({
    kind,
    name,
    uid: uid(`${kind}/${namespace}/${name}`),
    namespace,
    replicas,
    containers,
  });
  const workloads: DemoWorkload[] = [
    workload('deployment', 'web-frontend', 'shop', 2, [app('web-frontend', [0.25, 0.25, 1], [180, 256, 512]), sidecar()]),
    workload('deployment', 'checkout-api', 'shop', 3, [app('checkout-api', [0.4, 0.5, 1], [240, 256, 512]), sidecar()]),
    // Runs close to its memory limit.
    workload('deployment', 'inventory-api', 'shop', 2, [app('inventory-api', [0.15, 0.25, 0.5], [232, 192, 256])]),
    workload('deployment', 'payments-api', 'payments', 2, [app('payments-api', [0.3, 0.25, 1], [210, 256, 512])]),
    workload('statefulset', 'report-worker', 'payments', 1, [app('report-worker', [0.6, 0.5, 2], [420, 512, 1024])]),
    workload('deployment', 'email-worker', 'shop', 1, [
      container('email-worker', 'ghcr.io/meridian-demo/email-worker', '0.9.1', [0.05, 0.1, 0.5], [90, 128, 256], 300),
    ]),
    workload('daemonset', 'otel-collector', 'monitoring', nodes.length, [
      container('otel-collector', 'docker.io/otel/opentelemetry-collector-contrib', '0.115.0', [0.08, 0.1, 0.5], [110, 128, 512]),
    ]),
  ];

  const pods: DemoPod[] = [];
  let placed = 0;
  for (const w of workloads) {
    const traffic = SERVICES.find((s) => s.name === w.name);
    // The first replica is the traffic's own instance: its pod name is the service's host.name.
    const rsName = traffic?.host.split('-').slice(0, -1).join('-') ?? `${w.name}-${uid(w.uid).replace(/-/g, '').slice(0, 9)}`;
    const replicaSet = w.kind === 'deployment' ? { name: rsName, uid: uid(`replicaset/${w.namespace}/${rsName}`) } : undefined;
    for (let i = 0; i < w.replicas; i++) {
      const name =
        i === 0 && traffic ? traffic.host : w.kind === 'statefulset' ? `${w.name}-${i}` : `${replicaSet?.name ?? w.name}-${uid(`${w.uid}/${i}`).slice(0, 5)}`;
      const node = w.kind === 'daemonset' ? nodes[i] : nodes[placed++ % nodes.length];
      pods.push({
        name,
        uid: uid(`pod/${w.namespace}/${name}`),
        namespace: w.namespace,
        node,
        workload: w,
        ...(replicaSet ? { replicaSet } : {}),
        // The third checkout-api replica asks for more than any node has left.
        pending: w.name === 'checkout-api' && i === 2,
        ...(i === 0 && traffic ? { service: traffic.name } : {}),
      });
    }
  }
  return { name: DEMO_CLUSTER_NAME, nodes, namespaces, workloads, pods };
}
