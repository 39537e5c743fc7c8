/**
 * Database monitoring end to end: the demo app's services (real processes with the OpenTelemetry
 * auto-instrumentations for http and pg/mysql2, on the machine's PostgreSQL and MariaDB) send
 * traces to a real Meridian server; the collector polls the same databases and sends OTLP
 * metrics to its intake. The API then flags the N+1 endpoint with the exact repeat count and
 * lists the instances with health figures from both sources.
 */
import { DbCollector } from '@meridian/collector';
import { type DemoApp, RECENT_ORDERS, startDemoApp } from '@meridian/demo';
import { ApiClient, DEFAULT_POSTGRES_URL, type MeridianProcess, postgresService, requireLocalService, requireMariadb, startMeridian } from '@meridian/testing';

jest.setTimeout(120_000);

const ITEMS_QUERY = 'SELECT product_id, qty FROM order_items WHERE order_id = ?';

interface NPlusOneBody {
  threshold: number;
  findings: Array<{ service: string; endpoint: string; fingerprint: string; transactions: number; maxRepeat: number; exampleTraceId: string }>;
}
interface InstancesBody {
  instances: Array<{
    instance: string;
    system: string;
    cluster: string;
    up: boolean | null;
    calls: number;
    activeSessions: number | null;
    connectionUse: number | null;
  }>;
}

describe('database monitoring (demo app → server → API)', () => {
  let m: MeridianProcess;
  let app: DemoApp | undefined;
  let api: ApiClient;

  beforeAll(async () => {
    // The demo app quietly falls back to PGlite and no MariaDB; this test needs the real servers,
    // so their absence fails it with how to start them instead of a puzzling assertion.
    await requireLocalService({ ...postgresService(DEFAULT_POSTGRES_URL), envVar: undefined }); // the demo app ignores DATABASE_URL
    await requireMariadb();
    m = await startMeridian();
    api = new ApiClient(m.ports.api, m.apiKey, 'demo');
  });
  afterAll(async () => {
    await app?.stop();
    await m?.stop();
  });

  it('flags the N+1 endpoint with its exact count, and shows the databases with server and client figures', async () => {
    const otlpUrl = `http://127.0.0.1:${m.ports.http}`;
    app = await startDemoApp({ otlpUrl, ingestKey: m.ingestKey, requestsPerSecond: 0, log: () => undefined });
    expect(app.postgres).toBe('server'); // the machine's PostgreSQL at 127.0.0.1:5432
    for (let i = 0; i < 3; i++) expect((await fetch(`${app.storefrontUrl}/orders/recent`)).status).toBe(200);
    expect((await fetch(`${app.storefrontUrl}/checkout/SKU-0002`, { method: 'POST' })).status).toBe(200);
    // Polled while the services' connection pools are open, so connection use is above zero.
    const collector = new DbCollector({ otlpUrl, ingestKey: m.ingestKey, targets: app.databases, log: () => undefined });
    try {
      await collector.pollOnce();
    } finally {
      await collector.stop();
    }
    await app.stop(); // flushes the services' spans
    app = undefined;

    const nPlusOne = await api.eventually(
      async () => {
        const r = await api.get<NPlusOneBody>('/sql/n-plus-one', { last: '15m', service: 'catalog' });
        return r.status === 200 && r.body.findings[0]?.transactions === 3 ? r.body : undefined;
      },
      30_000,
      'the N+1 finding of catalog',
    );
    expect(nPlusOne.threshold).toBe(10);
    expect(nPlusOne.findings).toHaveLength(1);
    expect(nPlusOne.findings[0]).toMatchObject({ service: 'catalog', endpoint: 'GET /orders/recent', fingerprint: ITEMS_QUERY, maxRepeat: RECENT_ORDERS });

    const txns = await api.get<{ transactions: Array<{ traceId: string; endpoint: string; queries: number; maxRepeat: number }> }>('/sql/transactions', {
      last: '15m',
      service: 'catalog',
      sort: 'queries',
    });
    expect(txns.body.transactions.slice(0, 3).map((t) => [t.endpoint, t.queries, t.maxRepeat])).toEqual(
      Array(3).fill(['GET /orders/recent', RECENT_ORDERS + 1, RECENT_ORDERS]),
    );
    expect(txns.body.transactions.map((t) => t.traceId)).toContain(nPlusOne.findings[0].exampleTraceId);

    const endpoints = await api.get<{ endpoints: Array<{ service: string; endpoint: string; queriesPerTxnMax: number; queriesPerTxnAvg: number }> }>(
      '/sql/endpoints',
      { last: '15m', service: 'catalog' },
    );
    expect(endpoints.body.endpoints.find((e) => e.endpoint === 'GET /orders/recent')).toMatchObject({
      queriesPerTxnMax: RECENT_ORDERS + 1,
      queriesPerTxnAvg: RECENT_ORDERS + 1,
    });

    const instances = await api.eventually(
      async () => {
        const r = await api.get<InstancesBody>('/databases', { last: '15m' });
        const pg = r.body.instances?.find((i) => i.instance === '127.0.0.1:5432');
        return pg?.up && pg.calls > 0 ? r.body.instances : undefined;
      },
      30_000,
      'the PostgreSQL instance with collector and span figures',
    );
    expect(instances.find((i) => i.instance === '127.0.0.1:5432')).toMatchObject({ system: 'postgresql', cluster: 'demo', up: true });
    expect(instances.find((i) => i.instance === '127.0.0.1:5432')!.connectionUse).toBeGreaterThan(0);
    expect(instances.find((i) => i.instance === '127.0.0.1:3306')).toMatchObject({ system: 'mariadb', up: true });

    const detail = await api.get<{ health: { instance: string }; statements: Array<{ fingerprint: string; calls: number }> }>(
      `/databases/${encodeURIComponent('127.0.0.1:5432')}`,
      { last: '15m' },
    );
    expect(detail.status).toBe(200);
    expect(detail.body.statements.find((s) => s.fingerprint === ITEMS_QUERY)?.calls).toBe(3 * RECENT_ORDERS);

    const bad = await api.get<{ issues: Array<{ field: string }> }>('/sql/n-plus-one', { threshold: '1' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i) => i.field)).toEqual(['query.threshold']);
    expect((await api.get(`/databases/${encodeURIComponent('nowhere:1')}`)).status).toBe(404);
  });
});
