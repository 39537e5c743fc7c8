import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { InlineBus } from '@meridian/bus';
import { DEFAULT_REQUEST_LIMITS } from '@meridian/otlp';
import { ExportTraceServiceRequest } from '@meridian/otlp/testing';
import { createSelfMetrics } from '@meridian/self-metrics';
import { grpcTraceExport } from '@meridian/testing';
import { IntakeService } from './intake.service';
import type { IngestIdentity, IngestKeyVerifier } from './key-verifier';
import { OtlpGrpcServer } from './otlp-grpc.server';
import { OtlpHttpServer } from './otlp-http.server';
import { RequestGuard } from './request-guard';
import { type IngestLimitOverrides, TenantIngestLimiter } from './tenant-ingest-limiter';
import { UsageMeter } from './usage-meter';

// The receivers with a real inline bus, limiter and meter; only the control plane is replaced,
// by a fixed key table (the IngestKeyVerifier port).

const NO_OVERRIDES: IngestLimitOverrides = { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null };
const identity = (tenantId: string, limits: Partial<IngestLimitOverrides> = {}): IngestIdentity => ({
  keyId: `key-${tenantId}`,
  tenantId,
  region: 'r1',
  retentionDays: 30,
  limits: { ...NO_OVERRIDES, ...limits },
});
const KEYS: Record<string, IngestIdentity> = { 'key-a': identity('a'), 'key-b': identity('b'), 'key-c': identity('c', { bytesPerSecond: 1_000 }) };
const keys: IngestKeyVerifier = { verify: async (k) => KEYS[k] };

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
function spans(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({
    traceId: hex(from + i + 1, 32),
    spanId: hex(from + i + 1, 16),
    name: 'GET /x',
    kind: 2,
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    endTimeUnixNano: String((BigInt(Date.now()) + 5n) * 1_000_000n),
  }));
}
const traces = (n: number, from = 0) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans: spans(n, from) }] }],
});

function protobufTraces(n: number): Buffer {
  const doc = traces(n);
  const toBytes = (h: string) => Buffer.from(h, 'hex');
  const s = doc.resourceSpans[0].scopeSpans[0].spans.map((x) => ({ ...x, traceId: toBytes(x.traceId), spanId: toBytes(x.spanId) }));
  const msg = ExportTraceServiceRequest.fromObject({ resourceSpans: [{ ...doc.resourceSpans[0], scopeSpans: [{ spans: s }] }] });
  return Buffer.from(ExportTraceServiceRequest.encode(msg).finish());
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function post(port: number, key: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** google.rpc.Status with its Any details, and google.rpc.RetryInfo, declared from the .proto text. */
const rpc = protobuf.parse(
  `
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message Duration { int64 seconds = 1; int32 nanos = 2; }
  message RetryInfo { Duration retry_delay = 1; }
`,
  { keepCase: true },
).root;

describe('OTLP receivers with per-tenant ingest limits', () => {
  let bus: InlineBus;
  let http: OtlpHttpServer;
  let grpcServer: OtlpGrpcServer;
  let ports: { http: number; grpc: number };
  let meter: UsageMeter;
  const metrics = createSelfMetrics();
  let stopConsumer: () => Promise<void>;

  beforeAll(async () => {
    bus = new InlineBus({ maxBytesPerRegion: 64 << 20, deadLetterDir: mkdtempSync(join(tmpdir(), 'intake-throttle-')) });
    const consumer = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 10_000, maxWaitMs: 10 }, async () => undefined);
    stopConsumer = () => consumer.stop();
    meter = new UsageMeter();
    // Fixed clock: no refill during the test, so every answer is determined by what was sent.
    const limiter = new TenantIngestLimiter({
      defaults: { spansPerSecond: 100, dataPointsPerSecond: 100, logRecordsPerSecond: 100, bytesPerSecond: 1 << 20 },
      burstSeconds: 1,
      replicas: 1,
      now: () => 1_000_000,
    });
    const intake = new IntakeService(bus, metrics, { limiter, usage: meter });
    const guard = new RequestGuard({ requestLimits: DEFAULT_REQUEST_LIMITS, inflightBytes: 64 << 20, tenantInflightShare: 1 });
    http = new OtlpHttpServer(intake, keys, { host: '127.0.0.1', port: 0, maxBodyBytes: 8 << 20, guard });
    grpcServer = new OtlpGrpcServer(intake, keys, { host: '127.0.0.1', port: 0, maxBodyBytes: 8 << 20, guard });
    ports = { http: await http.start(), grpc: await grpcServer.start() };
  });

  afterAll(async () => {
    await Promise.all([http.stop(), grpcServer.stop()]);
    await stopConsumer();
    await bus.close();
  });

  it('HTTP: over its span rate a tenant gets 429 with Retry-After and a google.rpc.Status body for the whole request; another tenant is not affected', async () => {
    expect((await post(ports.http, 'key-a', JSON.stringify(traces(90)))).status).toBe(200);
    const over = await post(ports.http, 'key-a', JSON.stringify(traces(20, 90)));
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(over.body)).toEqual({ code: 8, message: expect.stringContaining('100 spans/s exceeded'), details: [] });
    // Nothing of the refused request was taken: the 10 spans still left pass.
    expect((await post(ports.http, 'key-a', JSON.stringify(traces(10, 200)))).status).toBe(200);
    expect((await post(ports.http, 'key-b', JSON.stringify(traces(100)))).status).toBe(200);

    const usage = meter.take();
    expect(usage.find((u) => u.tenantId === 'a')).toMatchObject({ signal: 'traces', acceptedItems: 100, throttledItems: 20 });
    expect(usage.find((u) => u.tenantId === 'b')).toMatchObject({ acceptedItems: 100, throttledItems: 0, throttledBytes: 0 });
  });

  it('HTTP: a body whose Content-Length alone is over the byte rate is refused unread, and the connection closed', async () => {
    // 1000 B/s with a 1 s burst: a first large body passes (a full bucket lets one oversized request through) and leaves a debt.
    const first = JSON.stringify(traces(10, 300));
    expect((await post(ports.http, 'key-c', first)).status).toBe(200);
    const refused = await post(ports.http, 'key-c', JSON.stringify(traces(1, 400)));
    expect(refused.status).toBe(429);
    expect(refused.headers.connection).toBe('close');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(Math.floor(first.length / 1_000) - 1);
    expect(JSON.parse(refused.body).message).toContain('1000 bytes/s');
    const declared = Buffer.byteLength(JSON.stringify(traces(1, 400)));
    expect(meter.take()).toEqual([expect.objectContaining({ tenantId: 'c', acceptedItems: 10, throttledItems: 0, throttledBytes: declared })]);
  });

  it('gRPC: RESOURCE_EXHAUSTED with a google.rpc.RetryInfo in grpc-status-details-bin, which OTLP exporters wait for', async () => {
    const err = await grpcTraceExport(ports.grpc, protobufTraces(5), 'key-a'); // tenant a used its 100 spans above
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toContain('100 spans/s exceeded');
    const [details] = err!.metadata.get('grpc-status-details-bin') as Buffer[];
    const status = rpc.lookupType('google.rpc.Status').toObject(rpc.lookupType('google.rpc.Status').decode(details), { longs: Number }) as {
      code: number;
      details: Array<{ type_url: string; value: Uint8Array }>;
    };
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details[0].type_url).toBe('type.googleapis.com/google.rpc.RetryInfo');
    const retry = rpc.lookupType('google.rpc.RetryInfo').toObject(rpc.lookupType('google.rpc.RetryInfo').decode(status.details[0].value), { longs: Number });
    expect(retry.retry_delay.seconds).toBeGreaterThanOrEqual(1);

    expect(await grpcTraceExport(ports.grpc, protobufTraces(1), 'key-b2')).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(meter.take()).toEqual([expect.objectContaining({ tenantId: 'a', signal: 'traces', throttledItems: 5, acceptedItems: 0 })]);
  });

  it('counts refusals in /metrics by signal and limit, with no tenant label', async () => {
    const text = await metrics.getSingleMetricAsString('meridian_intake_throttled_total');
    expect(text).toContain('meridian_intake_throttled_total{signal="traces",limit="items"} 2');
    expect(text).toContain('meridian_intake_throttled_total{signal="traces",limit="bytes"} 1');
    expect(text).not.toMatch(/tenant="/);
  });

  it('HTTP: answers carry nosniff, and a browser exporter (an Origin) may read Retry-After (Access-Control-Expose-Headers)', async () => {
    const over = await post(ports.http, 'key-a', JSON.stringify(traces(5, 300)), { origin: 'https://app.example' });
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.headers['access-control-allow-origin']).toBe('*');
    expect(over.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(over.headers['x-content-type-options']).toBe('nosniff');
    const ok = await post(ports.http, 'key-b', '{}');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
  });
});
