import { Controller, Get, Inject, type INestApplication, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createSelfMetrics, type SelfMetrics } from '@meridian/self-metrics';
import {
  ClickHouseClients,
  currentReadSignal,
  ReadGate,
  ReadRefusedError,
  ReadTimeoutError,
  RegionStore,
  TelemetryQueries,
} from '@meridian/storage-clickhouse';
import { openTestClickHouse, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { ReadLimitFilter, readsFollowTheirRequest } from './read-limits';

/** The read gate's refusals and the time limit as the API answers them, over HTTP, on the real engine. */
describe('read limits over HTTP', () => {
  let ch: TestClickHouse;
  let app: INestApplication;
  let base: string;
  let metrics: SelfMetrics;
  let gate: ReadGate;

  @Controller('test')
  class ReadsController {
    constructor(@Inject(TelemetryQueries) private readonly queries: TelemetryQueries) {}

    /** `n` reads of the tenant at once, as a page of the UI fires them. */
    @Get('reads/:tenant/:n')
    async reads(@Param('tenant') tenant: string, @Param('n') n: string) {
      const counts = await Promise.all(Array.from({ length: Number(n) }, () => this.queries.countRows('test', tenant, 'spans')));
      return { counts };
    }

    /** `n` reads of the tenant at once that each hold their slot for `ms` (a slow query). */
    @Get('slow/:tenant/:n/:ms')
    async slow(@Param('tenant') tenant: string, @Param('n') n: string, @Param('ms') ms: string) {
      const hold = () => new Promise<number>((r) => setTimeout(() => r(Number(ms)), Number(ms)));
      return { held: await Promise.all(Array.from({ length: Number(n) }, () => gate.run(tenant, currentReadSignal(), hold))) };
    }

    /** What the engine's time limit and a long wait in the gate raise. */
    @Get('refusal/:kind')
    refusal(@Param('kind') kind: string) {
      if (kind === 'timeout') throw new ReadTimeoutError(30);
      throw new ReadRefusedError('wait_timeout', kind === 'own', 10, `read waited 10000 ms for a slot (${kind})`);
    }
  }

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    const s = ch.stores.test;
    // One read at a time, one waiting per tenant: a page of 4 reads has 2 refused.
    gate = new ReadGate({ maxRunning: 1, maxRunningPerTenant: 1, maxQueuedPerTenant: 1, maxWaitMs: 10_000, maxExecutionSeconds: 30 });
    const store = new RegionStore(s.regionId, s.database, s.client, undefined, gate, false);
    const clients = { forRegion: () => store } as unknown as ClickHouseClients;

    @Module({ controllers: [ReadsController], providers: [{ provide: TelemetryQueries, useValue: new TelemetryQueries(clients) }] })
    class ReadsTestModule {}
    app = await NestFactory.create(ReadsTestModule, { logger: false });
    metrics = createSelfMetrics();
    // As server.ts composes them.
    app.use(readsFollowTheirRequest());
    app.useGlobalFilters(new ReadLimitFilter(metrics));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await ch?.close();
  });

  const refusals = async () =>
    Object.fromEntries(
      ((await metrics.getSingleMetric('meridian_read_refusals_total')?.get())?.values ?? []).map((v) => [String(v.labels.reason), v.value]),
    ) as Record<string, number>;

  it("answers a tenant's reads beyond its queue 429 with Retry-After and the reason; the next tenant is served", async () => {
    const res = await fetch(`${base}/test/reads/a/4`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as { statusCode: number; reason: string; message: string };
    expect(body).toMatchObject({ statusCode: 429, reason: 'queue_full' });
    expect(body.message).toMatch(/too many reads of this tenant at once/);
    expect(await refusals()).toMatchObject({ queue_full: 1 });
    // Within its bounds a tenant is answered.
    const ok = await fetch(`${base}/test/reads/b/1`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ counts: [0] });
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it("drops the reads still waiting once a request is answered, so they do not hold the tenant's queue against its next request", async () => {
    // One read holds the slot for 1.5 s, one waits, two are refused: 429 at once.
    const refused = await fetch(`${base}/test/slow/c/4/1500`);
    expect(refused.status).toBe(429);
    await refused.json();
    // The waiting read was dropped with the answer; the running one keeps its slot until done.
    for (let i = 0; i < 50 && gate.load().waiting > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    // So the tenant's next request waits in the queue it left free and is answered.
    const next = await fetch(`${base}/test/slow/c/1/10`);
    expect(next.status).toBe(200);
    expect(await next.json()).toEqual({ held: [10] });
  });

  it('answers a long wait 429 when the tenant held its own slots, 503 when the engine was busy with others, both with Retry-After', async () => {
    const own = await fetch(`${base}/test/refusal/own`);
    expect(own.status).toBe(429);
    expect(own.headers.get('retry-after')).toBe('10');
    expect(await own.json()).toMatchObject({ reason: 'tenant_wait_timeout' });
    const busy = await fetch(`${base}/test/refusal/others`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('10');
    expect(await busy.json()).toMatchObject({ statusCode: 503, reason: 'engine_busy', message: expect.stringMatching(/waited 10000 ms/) });
  });

  it('answers a read stopped at the time limit 504 naming the limit and what to narrow', async () => {
    const res = await fetch(`${base}/test/refusal/timeout`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      reason: 'execution_timeout',
      message: 'the query ran longer than 30 s and was stopped; narrow the time window or add filters',
    });
    expect(await refusals()).toMatchObject({ execution_timeout: 1, engine_busy: 1, tenant_wait_timeout: 1 });
  });
});
