import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** DI token of the process's own metrics registry (served as Prometheus text on GET /metrics). */
export const SELF_METRICS = Symbol('SelfMetrics');

/**
 * The process's own metrics: one registry per process, every metric prefixed `meridian_`.
 * Anyone who can reach the API port may scrape it, so it never holds a tenant id: series
 * labelled by tenant live in a companion registry (see `tenantCounter`) served only with the
 * metrics token.
 */
export type SelfMetrics = Registry;

/** Each public registry's companion holding the per-tenant series. */
const perTenant = new WeakMap<Registry, Registry>();

function companionOf(registry: SelfMetrics): Registry {
  let c = perTenant.get(registry);
  if (!c) {
    c = new Registry();
    perTenant.set(registry, c);
  }
  return c;
}

/**
 * A registry for this process's metrics. `processMetrics` adds prom-client's default process
 * metrics (CPU, memory, event-loop lag, GC) with the `meridian_` prefix.
 */
export function createSelfMetrics(opts: { processMetrics?: boolean; labels?: Record<string, string> } = {}): SelfMetrics {
  const registry = new Registry();
  const companion = companionOf(registry);
  if (opts.labels) {
    registry.setDefaultLabels(opts.labels);
    companion.setDefaultLabels(opts.labels);
  }
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'meridian_' });
  return registry;
}

/** Label names that would carry a tenant's id or slug into the anonymous scrape. */
const TENANT_LABEL = /tenant|slug/i;

/** Refuses a tenant label on a public metric, so a new per-tenant metric cannot leak by accident. */
function assertNoTenantLabel(config: { name: string; labelNames: readonly string[] }): void {
  const bad = config.labelNames.find((l) => TENANT_LABEL.test(l));
  if (bad) {
    throw new Error(
      `metric ${config.name}: label "${bad}" would show tenant ids to anyone who can scrape /metrics; declare it with tenantCounter() (served only with the metrics token)`,
    );
  }
}

/**
 * Returns the metric named `config.name` from the registry, creating it on first use. Several
 * instances of a component (two consumers in one process, a rebuilt consumer) then share one
 * metric instead of failing on a duplicate registration.
 */
export function counter<L extends string>(registry: SelfMetrics, config: { name: string; help: string; labelNames: readonly L[] }): Counter<L> {
  assertNoTenantLabel(config);
  return (registry.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter({ ...config, registers: [registry] });
}

export function gauge<L extends string>(registry: SelfMetrics, config: { name: string; help: string; labelNames: readonly L[] }): Gauge<L> {
  assertNoTenantLabel(config);
  return (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [registry] });
}

export function histogram<L extends string>(
  registry: SelfMetrics,
  config: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
): Histogram<L> {
  assertNoTenantLabel(config);
  return (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram({ ...config, registers: [registry] });
}

/** A counter by tenant (and `L`): see `tenantCounter`. */
export interface TenantCounter<L extends string> {
  inc(labels: Record<L | 'tenant', string>, value?: number): void;
}

/**
 * A counter labelled `tenant` plus `labelNames`. The per-tenant series go to the private
 * companion registry (served only to scrapes with the metrics token); the public registry gets
 * the same metric summed over tenants, so an anonymous scrape still sees the totals.
 */
export function tenantCounter<L extends string>(registry: SelfMetrics, config: { name: string; help: string; labelNames: readonly L[] }): TenantCounter<L> {
  assertNoTenantLabel(config);
  const total = counter(registry, { ...config, help: `${config.help} (summed over tenants; per tenant with the metrics token)` });
  const priv = companionOf(registry);
  const byTenant =
    (priv.getSingleMetric(config.name) as Counter<L | 'tenant'> | undefined) ??
    new Counter<L | 'tenant'>({ name: config.name, help: config.help, labelNames: ['tenant', ...config.labelNames], registers: [priv] });
  return {
    inc(labels, value = 1) {
      const { tenant: _tenant, ...rest } = labels;
      total.inc(rest as Record<L, string>, value);
      byTenant.inc(labels, value);
    },
  };
}

/**
 * The Prometheus text of `registry`. With `perTenant`, every metric declared with
 * `tenantCounter` appears with its per-tenant series instead of its total (one family per
 * name, as the text format requires).
 */
export async function exposition(registry: SelfMetrics, opts: { perTenant: boolean }): Promise<string> {
  if (!opts.perTenant) return registry.metrics();
  const priv = companionOf(registry);
  const privateNames = new Set(priv.getMetricsAsArray().map((m) => m.name));
  const publicParts = await Promise.all(
    registry
      .getMetricsAsArray()
      .filter((m) => !privateNames.has(m.name))
      .map((m) => registry.getSingleMetricAsString(m.name)),
  );
  const privateParts = await Promise.all([...privateNames].map((name) => priv.getSingleMetricAsString(name)));
  return `${[...publicParts, ...privateParts].join('\n\n')}\n`;
}
