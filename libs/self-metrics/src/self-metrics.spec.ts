import { counter, createSelfMetrics, exposition, gauge, histogram, tenantCounter } from './self-metrics';

describe('per-tenant series', () => {
  const TENANT = '6f1c2a9e-0000-4000-8000-00000000abcd';

  it('are summed over tenants in the public text and listed per tenant only with perTenant', async () => {
    const registry = createSelfMetrics({ labels: { role: 'all' } });
    const items = tenantCounter(registry, { name: 'meridian_test_items_total', help: 'Items', labelNames: ['signal'] });
    items.inc({ tenant: TENANT, signal: 'traces' }, 3);
    items.inc({ tenant: 'other-tenant', signal: 'traces' }, 2);
    counter(registry, { name: 'meridian_test_plain_total', help: 'Plain', labelNames: [] }).inc();

    const open = await exposition(registry, { perTenant: false });
    expect(open).toBe(await registry.metrics());
    expect(open).not.toContain(TENANT);
    expect(open).not.toContain('tenant=');
    expect(open).toContain('meridian_test_items_total{signal="traces",role="all"} 5');
    expect(open).toContain('meridian_test_plain_total{role="all"} 1');

    const full = await exposition(registry, { perTenant: true });
    expect(full).toContain(`meridian_test_items_total{tenant="${TENANT}",signal="traces",role="all"} 3`);
    expect(full).toContain('meridian_test_plain_total{role="all"} 1');
    // One family per name: the total is replaced by the per-tenant series, not repeated.
    expect(full.match(/^# TYPE meridian_test_items_total /gm)).toHaveLength(1);
    expect(full).not.toContain('meridian_test_items_total{signal="traces",role="all"}');
  });

  it('share one metric when declared twice (two components in one process)', async () => {
    const registry = createSelfMetrics();
    tenantCounter(registry, { name: 'meridian_test_twice_total', help: 'Twice', labelNames: [] }).inc({ tenant: 'a' });
    tenantCounter(registry, { name: 'meridian_test_twice_total', help: 'Twice', labelNames: [] }).inc({ tenant: 'a' });
    expect(await exposition(registry, { perTenant: true })).toContain('meridian_test_twice_total{tenant="a"} 2');
  });

  it('cannot be declared on the public registry by accident', () => {
    const registry = createSelfMetrics();
    expect(() => counter(registry, { name: 'meridian_x_total', help: 'x', labelNames: ['tenant'] })).toThrow('declare it with tenantCounter()');
    expect(() => gauge(registry, { name: 'meridian_y', help: 'y', labelNames: ['tenant_slug'] })).toThrow('label "tenant_slug"');
    expect(() => histogram(registry, { name: 'meridian_z', help: 'z', labelNames: ['slug'], buckets: [1] })).toThrow('/metrics');
  });
});
