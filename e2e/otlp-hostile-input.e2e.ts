import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { ApiClient, grpcTraceExport, startMeridian, type MeridianProcess } from '@meridian/testing';
import { rawPost } from './support/raw-post';

/** google.rpc.Status, to read error bodies the way an OTLP client does. */
const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));

const hex = (n: number, seed: number) =>
  seed
    .toString(16)
    .padStart(2, '0')
    .repeat(n)
    .slice(0, n * 2);
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

function jsonSpan(traceId: string, spanId: string, name: string) {
  const start = nowNs() - 50_000_000n;
  return {
    traceId,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 40_000_000n),
    attributes: [{ key: 'http.route', value: { stringValue: '/hostile' } }],
  };
}

function jsonTraces(spans: object[], service = 'hostile-svc') {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] },
      ],
    }),
  );
}

describe('OTLP/HTTP intake rejects bad input clearly and keeps the good part', () => {
  let m: MeridianProcess;
  let api: ApiClient;
  const json = () => ({ 'content-type': 'application/json', authorization: `Bearer ${m.ingestKey}` });
  const proto = () => ({ 'content-type': 'application/x-protobuf', authorization: `Bearer ${m.ingestKey}` });

  beforeAll(async () => {
    m = await startMeridian({ env: { MERIDIAN_MAX_BODY_BYTES: String(1024 * 1024) } });
    api = new ApiClient(m.ports.api, m.apiKey);
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  it('401 without a key, with an unknown key, and with a malformed Authorization header', async () => {
    const body = jsonTraces([jsonSpan(hex(16, 1), hex(8, 1), 'x')]);
    const attempts: Array<Record<string, string>> = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', authorization: 'Bearer mrd_ik_notarealkey' },
      { 'content-type': 'application/json', authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const r = await rawPost(m.ports.http, '/v1/traces', body, headers);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body.toString())).toMatchObject({ code: 16, message: expect.stringMatching(/key/) });
    }
  });

  it('415 for an unsupported content type, naming the supported ones', async () => {
    const r = await rawPost(m.ports.http, '/v1/traces', Buffer.from('hello'), { 'content-type': 'text/plain', authorization: `Bearer ${m.ingestKey}` });
    expect(r.status).toBe(415);
    expect(r.body.toString()).toMatch(/application\/x-protobuf or application\/json/);
  });

  it('400 with a google.rpc.Status protobuf body for truncated protobuf', async () => {
    // A valid field header announcing 200 bytes of resourceSpans, followed by only 3.
    const truncated = Buffer.from([0x0a, 0xc8, 0x01, 0x0a, 0x02, 0x08]);
    const r = await rawPost(m.ports.http, '/v1/traces', truncated, proto());
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    const status = Status.decode(r.body) as unknown as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message.length).toBeGreaterThan(5);
  });

  it('400 for invalid JSON and for JSON of the wrong shape', async () => {
    const bad = await rawPost(m.ports.http, '/v1/traces', Buffer.from('{"resourceSpans": [ {'), json());
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).code).toBe(3);
    const wrong = await rawPost(m.ports.http, '/v1/traces', Buffer.from('{"resourceSpans": "nope"}'), json());
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body.toString()).message).toMatch(/resourceSpans/);
  });

  it('half-valid batch: 200 with partialSuccess naming the bad field; the good half is stored', async () => {
    const goodTrace = hex(16, 0xa1);
    const spans = [
      jsonSpan(goodTrace, hex(8, 0xb1), 'good-1'),
      jsonSpan('zz-not-hex', hex(8, 0xb2), 'bad-trace-id'),
      jsonSpan(goodTrace, hex(8, 0xb3), 'good-2'),
      jsonSpan(hex(16, 0xa2), 'abc', 'bad-span-id'),
    ];
    const r = await rawPost(m.ports.http, '/v1/traces', jsonTraces(spans), json());
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.body.toString());
    expect(Number(reply.partialSuccess.rejectedSpans)).toBe(2);
    expect(reply.partialSuccess.errorMessage).toMatch(/traceId/);
    expect(reply.partialSuccess.errorMessage).toMatch(/spanId/);
    const trace = await api.eventually(
      async () => {
        const t = await api.get<{ spans: Array<{ spanName?: string; name?: string }> }>(`/traces/${goodTrace}`);
        return t.status === 200 && t.body.spans.length === 2 ? t.body : undefined;
      },
      20_000,
      'the good half of the batch',
    );
    expect(trace.spans.map((s) => s.spanName ?? s.name).sort()).toEqual(['good-1', 'good-2']);
  });

  it('413 for a body over the limit, and for a gzip bomb, without exhausting memory', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const r = await rawPost(m.ports.http, '/v1/traces', big, json());
    expect(r.status).toBe(413);
    // 256 MiB of zeros compresses to ~250 KiB: small on the wire, huge if inflated blindly.
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const b = await rawPost(m.ports.http, '/v1/traces', bomb, { ...json(), 'content-encoding': 'gzip' });
    expect(b.status).toBe(413);
    expect(JSON.parse(b.body.toString()).message).toMatch(/after decompression/);
    // Still serving.
    const ok = await rawPost(m.ports.http, '/v1/traces', gzipSync(jsonTraces([jsonSpan(hex(16, 0xc1), hex(8, 0xc1), 'after-bomb')])), {
      ...json(),
      'content-encoding': 'gzip',
    });
    expect(ok.status).toBe(200);
  });

  it('gRPC: UNAUTHENTICATED without a valid key, INVALID_ARGUMENT for truncated protobuf', async () => {
    const call = (body: Buffer, key?: string) => grpcTraceExport(m.ports.grpc, body, key);
    expect((await call(Buffer.alloc(0)))?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await call(Buffer.alloc(0), 'mrd_ik_wrong'))?.code).toBe(grpc.status.UNAUTHENTICATED);
    const truncated = await call(Buffer.from([0x0a, 0xc8, 0x01, 0x0a, 0x02, 0x08]), m.ingestKey);
    expect(truncated?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await call(Buffer.alloc(0), m.ingestKey)).toBeNull(); // an empty request is valid OTLP
  });

  it('404 for unknown paths and 405 for other methods', async () => {
    expect((await rawPost(m.ports.http, '/v1/profiles', Buffer.from('{}'), json())).status).toBe(404);
    const get = await fetch(`http://127.0.0.1:${m.ports.http}/v1/traces`);
    expect(get.status).toBe(405);
  });
});

describe('OTLP/HTTP intake when the bus is full', () => {
  let m: MeridianProcess;
  beforeAll(async () => {
    // A bus that can hold almost nothing: every real batch exceeds it.
    m = await startMeridian({ env: { MERIDIAN_BUS_INLINE_MAX_BYTES: '64' } });
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  it('answers 503 with Retry-After and a Status body, never 2xx for data it cannot keep', async () => {
    const r = await rawPost(m.ports.http, '/v1/traces', jsonTraces([jsonSpan(hex(16, 0xd1), hex(8, 0xd1), 'no-room')]), {
      'content-type': 'application/json',
      authorization: `Bearer ${m.ingestKey}`,
    });
    expect(r.status).toBe(503);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(r.body.toString())).toMatchObject({ code: 14, message: expect.stringMatching(/full/) });
  });
});
