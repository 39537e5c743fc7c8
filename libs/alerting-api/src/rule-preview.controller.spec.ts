import { Module, type INestApplication } from '@nestjs/common';
import { nanosToDateTime64 } from '@meridian/domain';
import { NestFactory } from '@nestjs/core';
import type { TenantAccess } from '@meridian/api-http';
import { AlertQueries, RowWriter } from '@meridian/storage-clickhouse';
import { makeMetricPointRow, makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { RulePreviewController } from './rule-preview.controller';
import { RulePreviewService } from './rule-preview.service';

describe('POST /api/v1/tenants/{tenant}/alerting/rules/preview', () => {
  let ch: TestClickHouse;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    // Tenant a: 10 checkout transactions ending ~now, 1 of them an error (10 %). Tenant b: 20 errors at the same time.
    const end = (ms: number) => nowNanos(BigInt(-Math.round(ms * 1e6)) - 1_000_000_000n);
    const rows = [
      ...Array.from({ length: 9 }, () => makeSpanRow({ tenant_id: 'a', startNanos: end(100), durationMs: 100 })),
      makeSpanRow({ tenant_id: 'a', startNanos: end(100), durationMs: 100, is_error: 1 }),
      ...Array.from({ length: 20 }, () => makeSpanRow({ tenant_id: 'b', startNanos: end(100), durationMs: 100, is_error: 1 })),
    ];
    await new RowWriter(ch.clients).insert('test', 'spans', toRowBody('spans', rows), 'rule-preview');
    // Tenant a's host web-1 sent its heartbeat last 2 minutes ago (and 50 minutes ago).
    const heartbeat = (minutesAgo: number) =>
      makeMetricPointRow({
        tenant_id: 'a',
        ts: nanosToDateTime64(end(minutesAgo * 60_000)),
        metric_name: 'system.cpu.time',
        metric_type: 'SUM',
        service: '',
        host_name: 'web-1',
      });
    await new RowWriter(ch.clients).insert('test', 'metric_points', toRowBody('metric_points', [heartbeat(2), heartbeat(50)]), 'rule-preview-hosts');

    // The route as served, with the access guard's verdict stood in by a header naming the tenant.
    @Module({
      controllers: [RulePreviewController],
      providers: [{ provide: AlertQueries, useValue: new AlertQueries(ch.clients) }, RulePreviewService],
    })
    class PreviewTestModule {}
    app = await NestFactory.create(PreviewTestModule, { logger: false });
    app.use((req: { headers: Record<string, string>; tenantAccess?: TenantAccess }, _res: unknown, next: () => void) => {
      const id = req.headers['x-test-tenant'];
      req.tenantAccess = { tenantId: id, tenantSlug: id, region: 'test', role: 'viewer', actor: 'user:test' };
      next();
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await ch?.close();
  });

  const preview = (tenant: string, body: unknown) =>
    fetch(`${base}/api/v1/tenants/${tenant}/alerting/rules/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-tenant': tenant },
      body: JSON.stringify(body),
    });
  const errorRate = { metric: 'error_rate', service: 'checkout', windowSeconds: 60, warning: 5, critical: 50 };

  it('evaluates the rule at 60 moments over the span the way the alerter does, with the threshold each value breaches', async () => {
    const res = await preview('a', { rule: errorRate, hours: 1 });
    expect(res.status).toBe(200);
    const { stepSeconds, points } = (await res.json()) as { stepSeconds: number; points: Array<{ at: string; value: number | null; breach: string | null }> };
    expect(stepSeconds).toBe(60);
    expect(points).toHaveLength(60);
    expect(Date.parse(points[59].at) - Date.parse(points[0].at)).toBe(59 * 60_000);
    // The last evaluation sees the 10 transactions (10 %: warning); an hour ago there was nothing to judge by.
    expect(points[59].value).toBeCloseTo(10, 5);
    expect(points[59].breach).toBe('warning');
    expect(points[0]).toMatchObject({ value: null, breach: null });
    expect(points.filter((p) => p.value !== null).length).toBeLessThanOrEqual(2);
    // Below 10 % nothing breaches; with a critical threshold at 10 % it is critical.
    const quiet = (await (await preview('a', { rule: { ...errorRate, warning: 20, critical: 30 }, hours: 1 })).json()) as {
      points: Array<{ breach: string | null }>;
    };
    expect(quiet.points.every((p) => p.breach === null)).toBe(true);
    const loud = (await (await preview('a', { rule: { ...errorRate, critical: 10 }, hours: 1 })).json()) as { points: Array<{ breach: string | null }> };
    expect(loud.points[59].breach).toBe('critical');
  });

  it("never counts another tenant's rows", async () => {
    const b = (await (await preview('b', { rule: errorRate, hours: 1 })).json()) as { points: Array<{ value: number | null; breach: string | null }> };
    expect(b.points[59]).toMatchObject({ value: 100, breach: 'critical' });
    const c = (await (await preview('c', { rule: errorRate, hours: 1 })).json()) as { points: Array<{ value: number | null }> };
    expect(c.points.every((p) => p.value === null)).toBe(true);
  });

  it('previews host down: silence of the host seen in the look-back, nothing before its first report', async () => {
    const res = await preview('a', { rule: { metric: 'host_down', windowSeconds: 3600, warning: 300 }, hours: 1 });
    expect(res.status).toBe(200);
    const { points } = (await res.json()) as { points: Array<{ value: number | null; breach: string | null }> };
    // The last evaluation: 2 minutes of silence (and the seconds since the rows were written), under the threshold; the first (an hour ago) saw no host yet.
    expect(points[59].value).toBeGreaterThanOrEqual(120);
    expect(points[59].value).toBeLessThan(240);
    expect(points[59].breach).toBeNull();
    expect(points[0]).toMatchObject({ value: null, breach: null });
    // Between the two reports web-1 was silent for up to 48 minutes: those evaluations breach.
    expect(points.filter((p) => p.breach === 'warning').length).toBeGreaterThan(30);
  });

  it('answers 400 naming the field of a host down or pod restarts rule that could never fire or filters by a service', async () => {
    const fields = async (rule: unknown) =>
      ((await (await preview('a', { rule, hours: 1 })).json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field);
    expect(await fields({ metric: 'host_down', windowSeconds: 600, warning: 300, critical: 600 })).toEqual(['body.rule.critical']);
    expect(await fields({ metric: 'pod_restarts', service: 'checkout', warning: 1 })).toEqual(['body.rule.service']);
    expect(await fields({ metric: 'pod_restarts', direction: 'below', warning: 1 })).toEqual(['body.rule.direction']);
    expect(await fields({ metric: 'pod_restarts', podPrefix: '', warning: 1 })).toEqual(['body.rule.podPrefix']);
  });

  it('answers 400 naming the field of a bad definition, and refuses a longer span than 24 h', async () => {
    const res = await preview('a', { rule: { ...errorRate, critical: 1 }, hours: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['body.rule.critical']);
    const long = await preview('a', { rule: errorRate, hours: 48 });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['body.hours']);
  });
});
