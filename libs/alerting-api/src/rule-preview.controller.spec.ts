import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { TenantAccess } from '@meridian/api-http';
import { AlertQueries, RowWriter } from '@meridian/storage-clickhouse';
import { makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
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

  it('answers 400 naming the field of a bad definition, and refuses a longer span than 24 h', async () => {
    const res = await preview('a', { rule: { ...errorRate, critical: 1 }, hours: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['body.rule.critical']);
    const long = await preview('a', { rule: errorRate, hours: 48 });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['body.hours']);
  });
});
