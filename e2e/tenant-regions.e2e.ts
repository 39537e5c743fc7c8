import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { ApiClient, runMeridianCli, sdkTelemetry, startMeridian } from '@meridian/testing';

describe('tenant CLI and region pinning', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-tenants-'));
  const env = { MERIDIAN_DATA_DIR: dataDir };

  it('creates a tenant in a chosen region, routes its data there, and keeps tenants apart', async () => {
    const bad = await runMeridianCli(['tenant', 'create', '--slug', 'acme', '--region', 'mars-1'], env);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/region.*ap-northeast-1, ap-northeast-2/);

    const badSlug = await runMeridianCli(['tenant', 'create', '--slug', 'A!', '--region', 'ap-northeast-2'], env);
    expect(badSlug.code).toBe(1);
    expect(badSlug.output).toMatch(/slug/);

    const created = await runMeridianCli(['tenant', 'create', '--slug', 'acme', '--name', 'ACME Corp', '--region', 'ap-northeast-2'], env);
    expect(created.code).toBe(0);
    expect(created.output).toMatch(/created tenant "acme" .* in region ap-northeast-2/);
    const ingestKey = /MERIDIAN_INGEST_KEY=(\S+)/.exec(created.output)![1];
    const apiKey = /MERIDIAN_API_KEY=(\S+)/.exec(created.output)![1];

    const m = await startMeridian({ dataDir });
    try {
      // The embedded control plane belongs to the running server now.
      const locked = await runMeridianCli(['tenant', 'create', '--slug', 'other', '--region', 'ap-northeast-1'], env);
      expect(locked.code).toBe(1);
      expect(locked.output).toMatch(/in use by process \d+/);

      const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: m.ports.http, grpcPort: m.ports.grpc, key: ingestKey, serviceName: 'acme-shop' });
      const span = sdk.tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', 'http.request.method': 'GET' } });
      span.end();
      await sdk.flush();
      await sdk.shutdown();
      const traceId = span.spanContext().traceId;

      const acme = new ApiClient(m.ports.api, apiKey, 'acme');
      const stored = await acme.eventually(async () => {
        const r = await acme.get<{ spans: Array<{ service: string; tenantId: string }> }>(`/traces/${traceId}`);
        return r.status === 200 ? r.body.spans : undefined;
      });
      expect(stored[0].service).toBe('acme-shop');
      const usage = await acme.get<{ region: string; spans: number }>('/usage');
      expect(usage.body).toMatchObject({ region: 'ap-northeast-2', spans: 1 });

      // The demo tenant (region ap-northeast-1) sees none of it, and can't name acme.
      const demo = new ApiClient(m.ports.api, m.apiKey, 'demo');
      expect((await demo.get(`/traces/${traceId}`)).status).toBe(404);
      expect((await demo.get<{ spans: number }>('/usage')).body.spans).toBe(0);
      expect((await new ApiClient(m.ports.api, m.apiKey, 'acme').get('/usage')).status).toBe(404);
      expect((await new ApiClient(m.ports.api, apiKey, 'demo').get('/usage')).status).toBe(404);
    } finally {
      await m.stop();
    }
  }, 240_000);
});
