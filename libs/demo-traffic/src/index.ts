export { startDemoTraffic, emitDemoBurst } from './demo-traffic';
export type { DemoTraffic, DemoTrafficOptions, DemoTrafficStats, DemoBurstResult } from './demo-traffic';
export { createRng, type Rng } from './prng';
