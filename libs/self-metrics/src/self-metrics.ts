import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** DI token of the process's own metrics registry (served as Prometheus text on GET /metrics). */
export const SELF_METRICS = Symbol('SelfMetrics');

/** The process's own metrics: one registry per process, every metric prefixed `meridian_`. */
export type SelfMetrics = Registry;

/**
 * A registry for this process's metrics. `processMetrics` adds prom-client's default process
 * metrics (CPU, memory, event-loop lag, GC) with the `meridian_` prefix.
 */
export function createSelfMetrics(opts: { processMetrics?: boolean; labels?: Record<string, string> } = {}): SelfMetrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'meridian_' });
  return registry;
}

/**
 * Returns the metric named `config.name` from the registry, creating it on first use. Several
 * instances of a component (two consumers in one process, a rebuilt consumer) then share one
 * metric instead of failing on a duplicate registration.
 */
export function counter<L extends string>(registry: SelfMetrics, config: { name: string; help: string; labelNames: readonly L[] }): Counter<L> {
  return (registry.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter({ ...config, registers: [registry] });
}

export function gauge<L extends string>(registry: SelfMetrics, config: { name: string; help: string; labelNames: readonly L[] }): Gauge<L> {
  return (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [registry] });
}

export function histogram<L extends string>(
  registry: SelfMetrics,
  config: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
): Histogram<L> {
  return (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram({ ...config, registers: [registry] });
}
