import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { abortWhenRequestEnds, type TenantAccess } from '@meridian/api-http';
import { AlertQueries, type ClickHouseClients, ReadGate, RegionStore, withReadSignal } from '@meridian/storage-clickhouse';
import { openTestClickHouse, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { RulePreviewController } from './rule-preview.controller';
import { RulePreviewService } from './rule-preview.service';

/** A gate that counts the reads it let run, each a little slower, so a preview (60 reads) takes long enough to walk away from. */
class CountingGate extends ReadGate {
  started = 0;
  override run<T>(tenant: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    return super.run(tenant, signal, async () => {
      this.started++;
      await new Promise((r) => setTimeout(r, 20));
      return work();
    });
  }
}

describe('rule preview: a closed request stops its reads', () => {
  let ch: TestClickHouse;
  let app: INestApplication;
  let base: string;
  const gate = new CountingGate({ maxRunning: 1, maxRunningPerTenant: 1, maxQueuedPerTenant: 32, maxWaitMs: 10_000, maxExecutionSeconds: 30 });

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    const s = ch.stores.test;
    const store = new RegionStore(s.regionId, s.database, s.client, undefined, gate, false);
    const clients = { forRegion: () => store } as unknown as ClickHouseClients;
    @Module({ controllers: [RulePreviewController], providers: [{ provide: AlertQueries, useValue: new AlertQueries(clients) }, RulePreviewService] })
    class PreviewTestModule {}
    app = await NestFactory.create(PreviewTestModule, { logger: false });
    app.use((req: { tenantAccess?: TenantAccess }, _res: unknown, next: () => void) => {
      req.tenantAccess = { tenantId: 'a', tenantSlug: 'a', region: 'test', role: 'viewer', actor: 'user:test' };
      next();
    });
    // As the server composes it (apps/server/src/read-limits.ts).
    app.use(abortWhenRequestEnds(withReadSignal));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await ch?.close();
  });

  const preview = (signal?: AbortSignal) =>
    fetch(`${base}/api/v1/tenants/a/alerting/rules/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rule: { metric: 'error_rate', service: 'checkout', windowSeconds: 60, warning: 5, critical: 50 }, hours: 1 }),
      signal,
    });

  it('runs every evaluation for a client that waits', async () => {
    const before = gate.started;
    const res = await preview();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { points: unknown[] }).points).toHaveLength(60);
    expect(gate.started - before).toBe(60);
  }, 30_000);

  it('drops the waiting evaluations and starts no more once the client closes the request', async () => {
    const before = gate.started;
    const client = new AbortController();
    const req = preview(client.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    client.abort();
    await req;
    await new Promise((r) => setTimeout(r, 100));
    const ran = gate.started - before;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(30);
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
    // Nothing starts later either.
    await new Promise((r) => setTimeout(r, 500));
    expect(gate.started - before).toBe(ran);
  }, 30_000);
});
