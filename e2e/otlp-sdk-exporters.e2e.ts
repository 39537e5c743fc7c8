import { context, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { hitmapRow } from '@meridian/domain';
import { hitmapCells, type HitmapResult, type StoredSpan } from '@meridian/storage-clickhouse';
import { ApiClient, sdkTelemetry, startMeridian, type MeridianProcess, type SdkProtocol } from '@meridian/testing';

/** What the trace API returns per span (the API's own contract type). */
type StoredSpanView = StoredSpan;

/** Exact time a few seconds ago as HrTime plus the same instant in nanoseconds. */
function instant(msAgo: number, extraNs: number): { hr: HrTime; ns: bigint } {
  const ms = Date.now() - msAgo;
  const sec = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000 + extraNs;
  return { hr: [sec, nanos], ns: BigInt(sec) * 1_000_000_000n + BigInt(nanos) };
}
const plus = (t: { hr: HrTime; ns: bigint }, ms: number) => {
  const ns = t.ns + BigInt(ms) * 1_000_000n;
  return { hr: [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)] as HrTime, ns };
};

describe('unmodified OpenTelemetry SDK exporters → intake → ClickHouse', () => {
  let m: MeridianProcess;
  let api: ApiClient;

  beforeAll(async () => {
    m = await startMeridian();
    api = new ApiClient(m.ports.api, m.apiKey);
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  // gzip on two of the three, so both decompression paths (HTTP and gRPC) are exercised.
  describe.each<[SdkProtocol, boolean]>([
    ['http/protobuf', false],
    ['http/json', true],
    ['grpc', true],
  ])('%s (gzip: %s)', (protocol, gzip) => {
    const service = `checkout-${protocol.replace(/\W/g, '-')}`;

    it('stores traces: ids, exact times, status, resource, attributes and derived columns', async () => {
      const sdk = sdkTelemetry({
        protocol,
        httpPort: m.ports.http,
        grpcPort: m.ports.grpc,
        key: m.ingestKey,
        gzip,
        serviceName: service,
        resource: { 'host.name': 'e2e-host', 'deployment.environment.name': 'test' },
      });
      const tracer = sdk.tracer;
      const t0 = instant(3_000, 123_457); // sub-millisecond part must survive
      // Transaction: GET /orders/{id} with the stable HTTP names, 1.3 s long → hitmap row 10.
      const root = tracer.startSpan('GET /orders/{id}', {
        kind: SpanKind.SERVER,
        startTime: t0.hr,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/orders/{id}',
          'http.response.status_code': 200,
          'url.path': '/orders/42',
          'app.tier': 'gold',
          'app.items': 3,
        },
      });
      const ctx = trace.setSpan(context.active(), root);
      // Its SQL with the old DB names, literals inside.
      const db = tracer.startSpan(
        'SELECT orders',
        {
          kind: SpanKind.CLIENT,
          startTime: plus(t0, 10).hr,
          attributes: {
            'db.system': 'postgresql',
            'db.name': 'shop',
            'db.statement': "SELECT * FROM orders WHERE id = 42 AND status IN ('new', 'paid', 'sent')",
            'net.peer.name': 'orders-db',
            'net.peer.port': 5432,
          },
        },
        ctx,
      );
      db.end(plus(t0, 40).hr);
      root.addEvent('cache.miss', { key: 'order:42' }, plus(t0, 5).hr);
      root.end(plus(t0, 1300).hr);
      // A failing transaction with the old HTTP names.
      const failed = tracer.startSpan('POST /pay', {
        kind: SpanKind.SERVER,
        startTime: plus(t0, 100).hr,
        attributes: { 'http.method': 'POST', 'http.route': '/pay', 'http.status_code': 503, 'http.target': '/pay?x=1' },
      });
      failed.recordException(new Error('payment gateway down'));
      failed.setStatus({ code: SpanStatusCode.ERROR, message: 'gateway down' });
      failed.end(plus(t0, 350).hr);
      await sdk.flush();

      const traceId = root.spanContext().traceId;
      const stored = await api.eventually(
        async () => {
          const r = await api.get<{ spans: StoredSpanView[] }>(`/traces/${traceId}`);
          return r.status === 200 && r.body.spans.length === 2 ? r.body.spans : undefined;
        },
        20_000,
        `trace ${traceId} over ${protocol}`,
      );
      const server = stored.find((s) => s.kind === 'SERVER')!;
      const client = stored.find((s) => s.kind === 'CLIENT')!;

      expect(server).toMatchObject({
        traceId,
        spanId: root.spanContext().spanId,
        parentSpanId: '',
        startUnixNanos: t0.ns.toString(),
        endUnixNanos: plus(t0, 1300).ns.toString(),
        durationMs: 1300,
        service,
        spanName: 'GET /orders/{id}',
        endpoint: 'GET /orders/{id}',
        isEntry: true,
        txnEndpoint: 'GET /orders/{id}',
        statusCode: 'UNSET',
        isError: false,
        httpMethod: 'GET',
        httpStatus: 200,
        httpRoute: '/orders/{id}',
        urlPath: '/orders/42',
        hostName: 'e2e-host',
      });
      expect(server.resourceAttributes).toMatchObject({ 'service.name': service, 'deployment.environment.name': 'test' });
      expect(server.attributes).toMatchObject({ 'app.tier': 'gold', 'app.items': '3' });
      expect(server.events).toEqual([expect.objectContaining({ name: 'cache.miss', attributes: { key: 'order:42' } })]);

      expect(client).toMatchObject({
        parentSpanId: root.spanContext().spanId,
        dbSystem: 'postgresql',
        dbName: 'shop',
        dbInstance: 'orders-db:5432',
        dbStatement: "SELECT * FROM orders WHERE id = 42 AND status IN ('new', 'paid', 'sent')",
        isEntry: false,
        txnEndpoint: 'GET /orders/{id}',
        durationMs: 30,
      });
      expect(client.dbFingerprint).toBe('SELECT * FROM orders WHERE id = ? AND status IN (?)');

      const failedStored = await api.eventually(async () => {
        const r = await api.get<{ spans: StoredSpanView[] }>(`/traces/${failed.spanContext().traceId}`);
        return r.status === 200 ? r.body.spans[0] : undefined;
      });
      expect(failedStored).toMatchObject({
        statusCode: 'ERROR',
        statusMessage: 'gateway down',
        isError: true,
        httpMethod: 'POST',
        httpStatus: 503,
        urlPath: '/pay',
      });
      expect(failedStored.events.map((e) => e.name)).toContain('exception');
      expect(failedStored.events[0].attributes['exception.message']).toBe('payment gateway down');

      // The transaction is a dot in the hitmap: its end-time column, the 1.3 s row.
      const endMs = Number(plus(t0, 1300).ns / 1_000_000n);
      const hitmap = await api.eventually(async () => {
        const r = await api.get<HitmapResult>('/hitmap', { from: endMs - 60_000, to: endMs + 60_000, service });
        const cells = hitmapCells(r.body);
        return cells.length >= 2 ? { cells } : undefined;
      });
      expect(hitmap.cells).toContainEqual({ t: Math.floor(endMs / 5000) * 5000, y: hitmapRow(1300), hits: 1, errors: 0 });
      expect(hitmap.cells).toContainEqual(expect.objectContaining({ y: hitmapRow(250), hits: 1, errors: 1 }));
      await sdk.shutdown();
    });

    it('stores metrics: counter, gauge and histogram points', async () => {
      const sdk = sdkTelemetry({ protocol, httpPort: m.ports.http, grpcPort: m.ports.grpc, key: m.ingestKey, gzip, serviceName: service });
      const counter = sdk.meter.createCounter(`e2e.requests.${protocol}`);
      counter.add(5, { route: '/a' });
      counter.add(2, { route: '/a' });
      const hist = sdk.meter.createHistogram(`e2e.latency.${protocol}`, { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
      for (const v of [5, 50, 500, 5000]) hist.record(v);
      sdk.meter.createObservableGauge(`e2e.queue.${protocol}`).addCallback((r) => r.observe(42, { queue: 'q1' }));
      await sdk.flush();

      type Point = {
        metricName: string;
        metricType: string;
        value: number;
        count: string;
        sum: number;
        bucketCounts: string[];
        explicitBounds: number[];
        attributes: Record<string, string>;
        service: string;
      };
      const points = await api.eventually(async () => {
        const r = await api.get<{ points: Point[] }>('/metrics', { service, last: '15m' });
        const names = new Set(r.body.points.map((p) => p.metricName));
        return names.size >= 3 ? r.body.points : undefined;
      });
      expect(points.find((p) => p.metricName === `e2e.requests.${protocol}`)).toMatchObject({
        metricType: 'SUM',
        value: 7,
        attributes: { route: '/a' },
        service,
      });
      expect(points.find((p) => p.metricName === `e2e.queue.${protocol}`)).toMatchObject({ metricType: 'GAUGE', value: 42, attributes: { queue: 'q1' } });
      expect(points.find((p) => p.metricName === `e2e.latency.${protocol}`)).toMatchObject({
        metricType: 'HISTOGRAM',
        count: '4',
        sum: 5555,
        bucketCounts: ['1', '1', '1', '1'],
        explicitBounds: [10, 100, 1000],
      });
      await sdk.shutdown();
    });

    it('stores logs with their trace context', async () => {
      const sdk = sdkTelemetry({ protocol, httpPort: m.ports.http, grpcPort: m.ports.grpc, key: m.ingestKey, gzip, serviceName: service });
      const span = sdk.tracer.startSpan('job');
      const ctx = trace.setSpan(context.active(), span);
      sdk.logger.emit({
        body: `order failed over ${protocol}`,
        severityNumber: sdk.severity.ERROR,
        severityText: 'ERROR',
        attributes: { 'order.id': 'A-1' },
        context: ctx,
      });
      span.end();
      await sdk.flush();
      type Log = {
        traceId: string;
        spanId: string;
        body: string;
        severityNumber: number;
        severityText: string;
        service: string;
        attributes: Record<string, string>;
      };
      const logs = await api.eventually(async () => {
        const r = await api.get<{ logs: Log[] }>('/logs', { traceId: span.spanContext().traceId, last: '15m' });
        return r.body.logs.length ? r.body.logs : undefined;
      });
      expect(logs[0]).toMatchObject({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        body: `order failed over ${protocol}`,
        severityNumber: 17,
        severityText: 'ERROR',
        service,
        attributes: { 'order.id': 'A-1' },
      });
      await sdk.shutdown();
    });
  });

  it('the read API is tenant-scoped: no token → 401, another tenant name → 404', async () => {
    const anon = await fetch(`http://127.0.0.1:${m.ports.api}/api/v1/tenants/demo/hitmap`);
    expect(anon.status).toBe(401);
    const other = new ApiClient(m.ports.api, m.apiKey, 'someone-else');
    expect((await other.get('/hitmap')).status).toBe(404);
    const ingestKeyAsApi = new ApiClient(m.ports.api, m.ingestKey);
    expect((await ingestKeyAsApi.get('/hitmap')).status).toBe(401);
    expect((await api.get('/hitmap', { from: 'yesterday' })).status).toBe(400);
  });
});
