import { BadRequestException } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import { ControlPlaneDb, TenantLimitsRepository, TenantProvisioningService, UsageRepository, type UsageDelta } from '@meridian/control-plane';
import type { AccountsOptions } from './accounts-options';
import { IngestLimitsService } from './ingest-limits.service';

describe('IngestLimitsService (on PGlite)', () => {
  const defaults = { spansPerSecond: 20_000, dataPointsPerSecond: 50_000, logRecordsPerSecond: 20_000, bytesPerSecond: 32 * 1024 * 1024, burstSeconds: 2 };
  let cp: ControlPlaneDb;
  let service: IngestLimitsService;
  let t: TenantAccess;

  beforeAll(async () => {
    cp = await ControlPlaneDb.open({ pgliteDir: ':memory:' });
    await cp.migrate();
    const { tenant } = await new TenantProvisioningService(cp, ['r1']).provisionTenant({ slug: 'limits-svc', name: 'L', region: 'r1', actor: 'test' });
    t = { tenantId: tenant.id, tenantSlug: tenant.slug, region: 'r1', role: 'viewer', actor: 'operator:api' };
    service = new IngestLimitsService(new TenantLimitsRepository(cp), new UsageRepository(cp), { ingestLimits: defaults } as AccountsOptions);
  }, 30_000);
  afterAll(() => cp?.close());

  it('merges overrides with the configured defaults, marking which is which', async () => {
    const initial = await service.getLimits(t);
    expect(initial.spansPerSecond).toEqual({ effective: 20_000, default: 20_000, override: null });
    expect(initial.burstSeconds).toBe(2);
    const set = await service.setLimits(t, { spansPerSecond: 500, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: 1_000_000 });
    expect(set.spansPerSecond).toEqual({ effective: 500, default: 20_000, override: 500 });
    expect(set.bytesPerSecond).toEqual({ effective: 1_000_000, default: defaults.bytesPerSecond, override: 1_000_000 });
    expect(set.dataPointsPerSecond).toEqual({ effective: 50_000, default: 50_000, override: null });
    expect(await service.getLimits(t)).toEqual(set);
  });

  it('answers a bad override with a 400 naming body.<field>', async () => {
    const err = await service
      .setLimits(t, { spansPerSecond: -1, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).getResponse()).toMatchObject({
      issues: [{ field: 'body.spansPerSecond', message: expect.stringContaining('whole number') }],
    });
  });

  it('lists usage per day and signal with per-signal totals; defaults to the last 30 days', async () => {
    const row = (day: string, signal: UsageDelta['signal'], n: number): UsageDelta => ({
      tenantId: t.tenantId,
      day,
      signal,
      acceptedItems: n,
      acceptedBytes: n * 10,
      rejectedItems: 1,
      throttledItems: 2,
      throttledBytes: 20,
    });
    await new UsageRepository(cp).add([
      row('2031-06-30', 'traces', 5),
      row('2031-06-01', 'logs', 7),
      row('2031-05-31', 'traces', 100),
      row('2031-07-01', 'metrics', 9),
    ]);
    const now = new Date('2031-06-30T23:59:00Z');
    const usage = await service.getUsage(t, {}, now);
    expect(usage).toMatchObject({ from: '2031-06-01', to: '2031-06-30', today: '2031-06-30' });
    expect(usage.days.map((d) => [d.day, d.signal, d.acceptedItems])).toEqual([
      ['2031-06-01', 'logs', 7],
      ['2031-06-30', 'traces', 5],
    ]);
    expect(usage.days[0]).not.toHaveProperty('tenantId');
    expect(usage.totals).toEqual([
      { signal: 'traces', acceptedItems: 5, acceptedBytes: 50, rejectedItems: 1, throttledItems: 2, throttledBytes: 20 },
      { signal: 'metrics', acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 },
      { signal: 'logs', acceptedItems: 7, acceptedBytes: 70, rejectedItems: 1, throttledItems: 2, throttledBytes: 20 },
    ]);
    const explicit = await service.getUsage(t, { from: '2031-05-31', to: '2031-07-01' }, now);
    expect(explicit.totals.map((x) => x.acceptedItems)).toEqual([105, 9, 7]);
  });

  it.each([
    [{ from: '2031-06-02', to: '2031-06-01' }, 'query.from', 'must not be after query.to'],
    [{ from: '2030-01-01', to: '2031-06-01' }, 'query.from', 'at most 366 days'],
  ])('refuses the range %j with a 400 naming %s', async (query, field, message) => {
    const err = await service.getUsage(t, query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).getResponse()).toMatchObject({ issues: [{ field, message: expect.stringContaining(message) }] });
  });
});
