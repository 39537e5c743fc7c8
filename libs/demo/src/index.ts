export { startDemoApp, type DemoApp, type DemoAppOptions, type DemoDatabase } from './app/demo-app';
export { HOT_SKU, RECENT_ORDERS } from './app/databases';
export { startDemoTraffic, emitDemoBurst } from './traffic/demo-traffic';
export type { DemoTraffic, DemoTrafficOptions, DemoTrafficStats, DemoBurstResult } from './traffic/demo-traffic';
export { createRng, type Rng } from './traffic/prng';
export { startDemoKubernetes, type DemoKubernetes, type DemoKubernetesOptions } from './k8s/demo-kubernetes';
export { K8S_DEMO_METRICS } from './k8s/k8s-metrics';
