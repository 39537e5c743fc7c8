import { SpanKind } from '@opentelemetry/api';
import { ApiClient, sdkTelemetry, startMeridian } from '@meridian/testing';

describe('data survives a restart', () => {
  it('keeps spans accepted just before SIGTERM, and the demo key keeps working', async () => {
    const first = await startMeridian();
    const sdk = sdkTelemetry({
      protocol: 'http/protobuf',
      httpPort: first.ports.http,
      grpcPort: first.ports.grpc,
      key: first.ingestKey,
      serviceName: 'restart-svc',
    });
    const traceIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const s = sdk.tracer.startSpan(`GET /r/${i % 5}`, { kind: SpanKind.SERVER, attributes: { 'http.route': `/r/${i % 5}`, 'http.request.method': 'GET' } });
      s.end();
      traceIds.push(s.spanContext().traceId);
    }
    await sdk.flush(); // 200 received: the spans are on the bus, maybe not yet in ClickHouse
    await sdk.shutdown();
    expect(await first.stop()).toBe(0); // graceful: drains the bus into ClickHouse before exiting

    const second = await startMeridian({ dataDir: first.dataDir });
    try {
      expect(second.ingestKey).toBe(first.ingestKey);
      expect(second.apiKey).toBe(first.apiKey);
      const api = new ApiClient(second.ports.api, second.apiKey);
      for (const id of [traceIds[0], traceIds[25], traceIds[49]]) {
        const r = await api.get<{ spans: Array<{ service: string }> }>(`/traces/${id}`);
        expect(r.status).toBe(200);
        expect(r.body.spans[0].service).toBe('restart-svc');
      }
      const usage = await api.get<{ spans: number }>('/usage');
      expect(usage.body.spans).toBe(50);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
