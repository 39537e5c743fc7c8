import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { ApiClient, startMeridian, type MeridianProcess } from '@meridian/testing';
import { rawPost } from './support/raw-post';

// Decode work per request is bounded on the wire: a few KiB of gzip that inflate to millions of
// empty OTLP messages are refused before any object is built, on OTLP/HTTP (protobuf and JSON)
// and OTLP/gRPC alike, and the server stays small and responsive meanwhile.

const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));
const MiB = 1024 * 1024;
const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** `size` bytes of empty ResourceSpans (field 1, length 0). */
function emptyContainersProtobuf(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += 2) body[i] = 0x0a;
  return body;
}

/** `{"resourceSpans":[{},{},…]}` of about `size` bytes, gzipped. */
function emptyContainersJson(size: number): Buffer {
  const count = Math.floor((size - 20) / 3);
  return gzipSync(Buffer.from(`{"resourceSpans":[${'{},'.repeat(count)}{}]}`), { level: 9 });
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const hex = (byte: number, n: number) => byte.toString(16).padStart(2, '0').repeat(n);
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** One span (ids from `seed`) whose attribute `deep` is an array value nested `levels` deep around "leaf" (protobuf: every level only prefixes). */
function deepValueProtobuf(seed: number, levels: number): Buffer {
  const start = Buffer.alloc(8);
  start.writeBigUInt64LE(nowNs() - 50_000_000n);
  const end = Buffer.alloc(8);
  end.writeBigUInt64LE(nowNs() - 10_000_000n);
  const spanHead = Buffer.concat([
    Buffer.from([0x0a, 16]),
    Buffer.from(hex(seed, 16), 'hex'),
    Buffer.from([0x12, 8]),
    Buffer.from(hex(seed, 8), 'hex'),
    Buffer.from([0x2a, 4]),
    Buffer.from('deep'), // name
    Buffer.from([0x39]),
    start,
    Buffer.from([0x41]),
    end,
  ]);
  const layers: Array<{ before?: Buffer; tag: number }> = [
    { tag: 0x0a }, // resourceSpans
    { tag: 0x12 }, // scopeSpans
    { tag: 0x12 }, // spans
    { before: spanHead, tag: 0x4a }, // attributes
    { before: Buffer.from([0x0a, 4, ...Buffer.from('deep')]), tag: 0x12 }, // key, value
  ];
  for (let i = 0; i < levels; i++) layers.push({ tag: 0x2a }, { tag: 0x0a }); // arrayValue, values[0]
  const payload = Buffer.from([0x0a, 4, ...Buffer.from('leaf')]);
  const heads: Buffer[] = new Array(layers.length);
  let length = payload.length;
  for (let i = layers.length - 1; i >= 0; i--) {
    heads[i] = Buffer.concat([layers[i].before ?? Buffer.alloc(0), Buffer.from([layers[i].tag, ...varint(length)])]);
    length += heads[i].length;
  }
  return Buffer.concat([...heads, payload]);
}

function deepValueJson(seed: number, levels: number): Buffer {
  const start = nowNs() - 50_000_000n;
  const value = `${'{"arrayValue":{"values":['.repeat(levels)}{"stringValue":"leaf"}${']}}'.repeat(levels)}`;
  const span = `{"traceId":"${hex(seed, 16)}","spanId":"${hex(seed, 8)}","name":"deep","startTimeUnixNano":"${start}","endTimeUnixNano":"${start + 40_000_000n}","attributes":[{"key":"deep","value":${value}}]}`;
  return Buffer.from(
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bounded"}}]},"scopeSpans":[{"spans":[${span}]}]}]}`,
  );
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('OTLP intake bounds decode work per request', () => {
  let m: MeridianProcess;
  let api: ApiClient;
  let grpcClient: grpc.Client;
  const proto = () => ({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', authorization: `Bearer ${m.ingestKey}` });
  const json = () => ({ 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${m.ingestKey}` });

  /** A gzip-compressed gRPC Export call (grpc-js compresses the message with the channel's default algorithm). */
  const grpcExport = (body: Buffer) =>
    new Promise<grpc.ServiceError | null>((resolve) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${m.ingestKey}`);
      grpcClient.makeUnaryRequest(
        TRACES,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        md,
        (err) => resolve(err),
      );
    });

  beforeAll(async () => {
    // Per-tenant byte rates are another limit: keep them out of the way of 32 MiB bodies.
    m = await startMeridian({ env: { MERIDIAN_INTAKE_BYTES_PER_SECOND: String(4096 * MiB) } });
    api = new ApiClient(m.ports.api, m.apiKey);
    grpcClient = new grpc.Client(`127.0.0.1:${m.ports.grpc}`, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': 2, // gzip
      'grpc.max_send_message_length': 256 * MiB,
    });
  }, 120_000);
  afterAll(async () => {
    grpcClient?.close();
    await m?.stop();
  });

  it('8 MiB and 32 MiB of empty containers in a few KiB of gzip: 413 / RESOURCE_EXHAUSTED, RSS +<100 MB, /healthz < 1 s throughout', async () => {
    // Warm up every path once (first requests load code and fill caches), then take the baseline.
    const warm = await rawPost(m.ports.http, '/v1/traces', gzipSync(deepValueJson(0x11, 1)), json());
    expect(warm.status).toBe(200);
    expect(await grpcExport(Buffer.alloc(0))).toBeNull();
    await new Promise((r) => setTimeout(r, 1_000));
    const rssBefore = rssBytes(m.child.pid!);

    const attacks = [8 * MiB, 32 * MiB].map((size) => {
      const raw = emptyContainersProtobuf(size);
      return { raw, protobuf: gzipSync(raw, { level: 9 }), json: emptyContainersJson(size) };
    });
    for (const a of attacks) {
      expect(a.protobuf.length).toBeLessThan(64 * 1024); // "a few KiB of gzip"
      expect(a.json.length).toBeLessThan(64 * 1024);
    }

    let attacking = true;
    let slowestHealthMs = 0;
    let healthChecks = 0;
    const probe = (async () => {
      while (attacking) {
        const t0 = performance.now();
        const r = await fetch(`http://127.0.0.1:${m.ports.api}/healthz`);
        await r.arrayBuffer();
        expect(r.status).toBe(200);
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - t0);
        healthChecks++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      for (const a of attacks) {
        const p = await rawPost(m.ports.http, '/v1/traces', a.protobuf, proto());
        expect(p.status).toBe(413);
        const status = Status.decode(p.body) as unknown as { code: number; message: string };
        expect(status.code).toBe(8);
        expect(status.message).toMatch(/more than 10000 resource and scope containers \(intake\.maxContainersPerRequest\); send smaller batches/);

        const j = await rawPost(m.ports.http, '/v1/traces', a.json, json());
        expect(j.status).toBe(413);
        expect(JSON.parse(j.body.toString())).toMatchObject({ code: 8, message: expect.stringMatching(/intake\.maxContainersPerRequest/) });

        // gRPC: the same bytes as a gzip-compressed message. grpc-js inflates a message whole before
        // the handler sees it, so past the gRPC message limit (16 MiB) grpc-js refuses it itself.
        const g = await grpcExport(a.raw);
        expect(g?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
        expect(g?.details).toMatch(a.raw.length < 16 * MiB ? /intake\.maxContainersPerRequest/ : /larger than 16777216/);
      }
    }
    attacking = false;
    await probe;

    expect(m.child.exitCode).toBeNull();
    const grown = rssBytes(m.child.pid!) - rssBefore;
    console.log(
      `bounded-work: RSS grew ${(grown / MiB).toFixed(1)} MiB over ${rounds * 6} attack requests; slowest /healthz ${slowestHealthMs.toFixed(0)} ms of ${healthChecks}`,
    );
    expect(grown).toBeLessThan(100 * 1000 * 1000);
    expect(healthChecks).toBeGreaterThan(3);
    expect(slowestHealthMs).toBeLessThan(1_000);

    const metrics = await (await fetch(`http://127.0.0.1:${m.ports.api}/metrics`)).text();
    const refused = /meridian_intake_refused_total\{signal="traces",reason="too_many_containers"\} (\d+)/.exec(metrics);
    expect(Number(refused?.[1])).toBe(rounds * 5); // grpc-js' own refusals happen before the handler
  }, 180_000);

  it('a normal span sent afterwards is stored', async () => {
    const traceId = hex(0x21, 16);
    const r = await rawPost(m.ports.http, '/v1/traces', gzipSync(deepValueJson(0x21, 2)), json());
    expect(r.status).toBe(200);
    await api.eventually(
      async () => {
        const t = await api.get<{ spans: unknown[] }>(`/traces/${traceId}`);
        return t.status === 200 && t.body.spans.length === 1 ? t.body : undefined;
      },
      20_000,
      'the span sent after the attack',
    );
  });

  it('gRPC: a message that only inflates past max_receive_message_length is refused without inflating it all', async () => {
    const rssBefore = rssBytes(m.child.pid!);
    const err = await grpcExport(Buffer.alloc(200 * MiB)); // zeros: ~200 KiB on the wire
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/larger than 16777216/);
    expect(m.child.exitCode).toBeNull();
    expect(rssBytes(m.child.pid!) - rssBefore).toBeLessThan(100 * 1000 * 1000);
  }, 60_000);

  it('an AnyValue nested 100 000 deep is cut, not refused: 200 and the span is stored with the value cut, in protobuf, JSON and gRPC', async () => {
    const levels = 100_000;
    const sent = [
      { seed: 0x31, send: () => rawPost(m.ports.http, '/v1/traces', gzipSync(deepValueProtobuf(0x31, levels)), proto()).then((r) => r.status) },
      { seed: 0x32, send: () => rawPost(m.ports.http, '/v1/traces', gzipSync(deepValueJson(0x32, levels)), json()).then((r) => r.status) },
      { seed: 0x33, send: () => grpcExport(deepValueProtobuf(0x33, levels)).then((e) => (e === null ? 200 : e.code)) },
    ];
    for (const s of sent) expect(await s.send()).toBe(200);
    // Kept: 32 levels of arrays, then the value cut to null.
    const cut = `${'['.repeat(32)}null${']'.repeat(32)}`;
    for (const s of sent) {
      const span = await api.eventually(
        async () => {
          const t = await api.get<{ spans: Array<{ attributes: Record<string, string> }> }>(`/traces/${hex(s.seed, 16)}`);
          return t.status === 200 && t.body.spans.length === 1 ? t.body.spans[0] : undefined;
        },
        20_000,
        `the deeply nested span ${s.seed.toString(16)}`,
      );
      expect(span.attributes.deep).toBe(cut);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${m.ports.api}/metrics`)).text();
    expect(metrics).toMatch(/meridian_intake_truncated_total\{signal="traces",what="value_depth"\} 3/);
  }, 60_000);
});
