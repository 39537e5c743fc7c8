import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { InlineBus } from '@meridian/bus';
import { DEFAULT_REQUEST_LIMITS } from '@meridian/otlp';
import { createSelfMetrics, exposition } from '@meridian/self-metrics';
import { grpcTraceExport } from '@meridian/testing';
import { IntakeService } from './intake.service';
import type { IngestIdentity, IngestKeyVerifier } from './key-verifier';
import { OtlpGrpcServer } from './otlp-grpc.server';
import { OtlpHttpServer } from './otlp-http.server';
import { InflightBudget, InflightBudgetError, RequestGuard } from './request-guard';

describe('InflightBudget', () => {
  it('refuses past the total and past one tenant’s share, counts nothing it refused, and frees on release', () => {
    const budget = new InflightBudget(1000, 0.6); // a tenant may hold 600
    const a1 = budget.reserve('a');
    a1.add(500);
    expect(() => a1.add(200)).toThrow(/its share of intake\.inflightBytes is 600/);
    const a2 = budget.reserve('a');
    expect(() => a2.add(101)).toThrow(InflightBudgetError);
    const b = budget.reserve('b');
    b.add(450); // another tenant still has room
    expect(() => b.add(100)).toThrow(/1000 bytes of requests are in flight \(intake\.inflightBytes\)/);
    expect(budget.inUse).toBe(950);
    a1.release();
    a1.release(); // twice is harmless
    expect(budget.inUse).toBe(450);
    a2.add(500);
    expect(budget.inUse).toBe(950);
  });
});

const identity = (tenantId: string): IngestIdentity => ({
  keyId: `key-${tenantId}`,
  tenantId,
  region: 'r1',
  retentionDays: 30,
  limits: { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null },
});
const KEYS: Record<string, IngestIdentity> = { 'key-a': identity('a'), 'key-b': identity('b') };
const keys: IngestKeyVerifier = { verify: async (k) => KEYS[k] };

function spansJson(n: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /x',
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1000n),
  }));
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Starts a POST and sends `first`; the returned `finish` sends the rest and waits for the answer. */
function startPost(port: number, key: string, first: string, contentLength: number) {
  let answered: (a: Answer) => void;
  const answer = new Promise<Answer>((r) => (answered = r));
  const req = request(
    {
      host: '127.0.0.1',
      port,
      path: '/v1/traces',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': String(contentLength) },
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => answered({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    },
  );
  req.on('error', () => undefined); // a refused body may be cut off
  req.write(first);
  return { answer, finish: (rest: string) => (req.end(rest), answer) };
}

const post = (port: number, key: string, body: string) => startPost(port, key, '', Buffer.byteLength(body)).finish(body);

describe('OTLP receivers with the request guard', () => {
  let bus: InlineBus;
  let http: OtlpHttpServer;
  let grpcServer: OtlpGrpcServer;
  let ports: { http: number; grpc: number };
  let stopConsumer: () => Promise<void>;
  const metrics = createSelfMetrics();
  // A tenant may hold 1 MiB of bodies in flight; a request may be 1 MiB; at most 10 spans per request.
  const guard = new RequestGuard({ requestLimits: { ...DEFAULT_REQUEST_LIMITS, maxItems: 10 }, inflightBytes: 2 << 20, tenantInflightShare: 0.5 }, metrics);

  beforeAll(async () => {
    bus = new InlineBus({ maxBytesPerRegion: 64 << 20, deadLetterDir: mkdtempSync(join(tmpdir(), 'intake-guard-')) });
    const consumer = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 10_000, maxWaitMs: 10 }, async () => undefined);
    stopConsumer = () => consumer.stop();
    const intake = new IntakeService(bus, metrics);
    http = new OtlpHttpServer(intake, keys, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, guard });
    grpcServer = new OtlpGrpcServer(intake, keys, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, guard });
    ports = { http: await http.start(), grpc: await grpcServer.start() };
  });

  afterAll(async () => {
    await Promise.all([http.stop(), grpcServer.stop()]);
    await stopConsumer();
    await bus.close();
  });

  it('HTTP: more spans than intake.maxItemsPerRequest → 413 with a Status naming the limit; at the limit → 200', async () => {
    const over = await post(ports.http, 'key-a', spansJson(11));
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toMatchObject({
      code: 8,
      message: expect.stringMatching(/more than 10 spans \(intake\.maxItemsPerRequest\); send smaller batches/),
    });
    expect((await post(ports.http, 'key-a', spansJson(10))).status).toBe(200);
  });

  it('gRPC: the same limit → RESOURCE_EXHAUSTED', async () => {
    // 11 empty spans: field 2 (spans) of one ScopeSpans in one ResourceSpans.
    const spans = Buffer.from(Array.from({ length: 11 }, () => [0x12, 0x00]).flat());
    const err = await grpcTraceExport(ports.grpc, Buffer.concat([Buffer.from([0x0a, spans.length + 2, 0x12, spans.length]), spans]), 'key-a');
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/more than 10 spans/);
  });

  it('HTTP: a tenant holding its share of the in-flight budget gets 503 + Retry-After; another tenant is served; freed once answered', async () => {
    const big = spansJson(1).padEnd(900 * 1024, ' '); // JSON allows trailing blanks
    // An uncompressed body is read into one buffer of its declared length, so all 900 KiB are counted after its first KiB.
    const slow = startPost(ports.http, 'key-a', big.slice(0, 1024), Buffer.byteLength(big));
    const deadline = Date.now() + 5_000;
    while (guard.budget.inUse < 900 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(guard.budget.inUse).toBe(900 * 1024);

    const refused = await post(ports.http, 'key-a', spansJson(1).padEnd(300 * 1024, ' '));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 14, message: expect.stringMatching(/share of intake\.inflightBytes/) });
    expect((await post(ports.http, 'key-b', spansJson(1).padEnd(300 * 1024, ' '))).status).toBe(200);
    // gRPC shares the budget: UNAVAILABLE, the code OTLP exporters retry.
    const grpcErr = await grpcTraceExport(ports.grpc, Buffer.alloc(300 * 1024), 'key-a');
    expect(grpcErr?.code).toBe(grpc.status.UNAVAILABLE);
    expect(grpcErr?.details).toMatch(/share of intake\.inflightBytes/);

    expect((await slow.finish(big.slice(1024))).status).toBe(200);
    expect(guard.budget.inUse).toBe(0);
    expect((await post(ports.http, 'key-a', spansJson(1).padEnd(300 * 1024, ' '))).status).toBe(200);
  });

  it('counts every refusal by signal and reason, without tenant ids', async () => {
    const text = await exposition(metrics, { perTenant: false });
    expect(text).toMatch(/meridian_intake_refused_total\{signal="traces",reason="too_many_items"\} 2/);
    expect(text).toMatch(/meridian_intake_refused_total\{signal="traces",reason="inflight_budget"\} 2/);
    expect(text).not.toMatch(/meridian_intake_refused_total\{[^}]*tenant/);
  });
});
