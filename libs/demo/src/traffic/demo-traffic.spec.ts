// Real SDK, real OTLP/HTTP protobuf exporters, against a small local receiver that decodes the
// bodies with the OpenTelemetry generated protobuf code.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { encodeExportResponse } from '@meridian/otlp';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, type MessageCodec } from '@meridian/otlp/testing';
import { startDemoTraffic } from './demo-traffic';
import type { LiveResult, RunnerCommand } from './testing/demo-runner';

// The generator runs in a plain Node child process (see testing/demo-runner.ts for why); the
// receiver runs here.
const REPO_ROOT = resolve(__dirname, '../../../..');
const RUNNER = resolve(__dirname, 'testing/demo-runner.ts');

interface BurstResult {
  spans: number;
  traceIds: string[];
  exportErrors: number;
  messages: string[];
}

function runDemo(command: Extract<RunnerCommand, { mode: 'bursts' }>): Promise<BurstResult[]>;
function runDemo(command: Extract<RunnerCommand, { mode: 'live' }>): Promise<LiveResult>;
function runDemo(command: RunnerCommand): Promise<unknown> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ['scripts/run-ts.js', RUNNER, JSON.stringify(command)], { cwd: REPO_ROOT, timeout: 55_000 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (error || !line) return fail(new Error(`demo runner failed: ${error?.message ?? 'no RESULT line'}\n${stderr}\n${stdout}`));
      done(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

/** A request the demo sent, as plain objects (the receiver reads it loosely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readRequest = (codec: MessageCodec<object>, body: Buffer): any => codec.toObject(codec.decode(body), { longs: String, enums: Number, defaults: false });

const KEY = 'mk_demo_test_key';
const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS_ERROR = 2;

type AttrValue = string | number | boolean | undefined;

interface ReceivedSpan {
  service: string;
  resource: Record<string, AttrValue>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  status: { code?: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, AttrValue> }>;
  receivedAtNs: bigint;
}
interface ReceivedMetric {
  service: string;
  name: string;
  kind: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
}
interface ReceivedLog {
  service: string;
  traceId: string;
  spanId: string;
  severityNumber: number;
  body: string;
}

interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  logs: ReceivedLog[];
  requests: Array<{ path: string; status: number; contentType?: string }>;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs toObject() output */
const hex = (b: any): string => (b ? Buffer.from(b).toString('hex') : '');
function anyValue(v: any): AttrValue {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return undefined;
}
const attrs = (list: any[] | undefined): Record<string, AttrValue> => Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

async function startReceiver(): Promise<Receiver> {
  const received: Omit<Receiver, 'url' | 'close'> = { spans: [], metrics: [], logs: [], requests: [] };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '';
      const reply = (status: number, payload: Uint8Array): void => {
        received.requests.push({ path, status, contentType: req.headers['content-type'] });
        res.writeHead(status, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(payload));
      };
      if (req.headers.authorization !== `Bearer ${KEY}`) return reply(401, new Uint8Array());
      if (path === '/v1/traces') {
        const receivedAtNs = BigInt(Date.now()) * 1_000_000n;
        const msg = readRequest(ExportTraceServiceRequest, body);
        for (const rs of msg.resourceSpans ?? []) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.spans.push({
                service: String(resource['service.name']),
                resource,
                traceId: hex(s.traceId),
                spanId: hex(s.spanId),
                parentSpanId: hex(s.parentSpanId),
                name: s.name,
                kind: s.kind,
                startNs: BigInt(s.startTimeUnixNano),
                endNs: BigInt(s.endTimeUnixNano),
                attributes: attrs(s.attributes),
                status: s.status ?? {},
                events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: attrs(e.attributes) })),
                receivedAtNs,
              });
            }
          }
        }
        return reply(200, encodeExportResponse('traces', 'protobuf'));
      }
      if (path === '/v1/metrics') {
        const msg = readRequest(ExportMetricsServiceRequest, body);
        for (const rm of msg.resourceMetrics ?? []) {
          const service = String(attrs(rm.resource?.attributes)['service.name']);
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              const kind = (['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const).find((k) => m[k] !== undefined);
              if (kind) received.metrics.push({ service, name: m.name, kind });
            }
          }
        }
        return reply(200, encodeExportResponse('metrics', 'protobuf'));
      }
      if (path === '/v1/logs') {
        const msg = readRequest(ExportLogsServiceRequest, body);
        for (const rl of msg.resourceLogs ?? []) {
          const service = String(attrs(rl.resource?.attributes)['service.name']);
          for (const sl of rl.scopeLogs ?? []) {
            for (const l of sl.logRecords ?? []) {
              received.logs.push({ service, traceId: hex(l.traceId), spanId: hex(l.spanId), severityNumber: l.severityNumber, body: String(anyValue(l.body)) });
            }
          }
        }
        return reply(200, encodeExportResponse('logs', 'protobuf'));
      }
      reply(404, new Uint8Array());
    })().catch((error) => {
      res.writeHead(400).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** SQL shape: literals folded, as a fingerprinter would. */
const shape = (sql: AttrValue): string =>
  String(sql)
    .replace(/'[^']*'/g, '?')
    .replace(/\b\d+\b/g, '?');

const statementOf = (s: ReceivedSpan): AttrValue => s.attributes['db.statement'] ?? s.attributes['db.query.text'];

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('demo traffic over OTLP/HTTP protobuf', () => {
  let receiver: Receiver;
  let burst: BurstResult;
  let spans: ReceivedSpan[];
  let byId: Map<string, ReceivedSpan>;
  let burstStartedAtNs: bigint;

  beforeAll(async () => {
    receiver = await startReceiver();
    burstStartedAtNs = BigInt(Date.now()) * 1_000_000n;
    [burst] = await runDemo({ mode: 'bursts', bursts: [{ otlpHttpUrl: receiver.url, ingestKey: KEY, transactions: 300, seed: 42 }] });
    const ids = new Set(burst.traceIds);
    spans = receiver.spans.filter((s) => ids.has(s.traceId));
    byId = new Map(spans.map((s) => [s.spanId, s]));
  });
  afterAll(() => receiver.close());

  it('delivers every span of the burst, with the ingest key, as protobuf, from several services', () => {
    expect(burst.exportErrors).toBe(0);
    expect(burst.traceIds).toHaveLength(300);
    expect(new Set(burst.traceIds).size).toBe(300);
    expect(spans).toHaveLength(burst.spans);
    expect(receiver.requests.every((r) => r.status === 200 && r.contentType === 'application/x-protobuf')).toBe(true);
    const services = new Set(spans.map((s) => s.service));
    expect([...services].sort()).toEqual(['checkout-api', 'inventory-api', 'payments-api', 'report-worker', 'web-frontend']);
    const resource = spans.find((s) => s.service === 'payments-api')!.resource;
    expect(resource).toMatchObject({ 'service.version': '4.1.0', 'deployment.environment.name': 'demo', 'telemetry.sdk.language': 'nodejs' });
    expect(resource['host.name']).toMatch(/^payments-api-/);
  });

  it('builds one tree per trace that ends around now', () => {
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots.map((r) => r.traceId).sort()).toEqual([...burst.traceIds].sort());
    const doneNs = BigInt(Date.now()) * 1_000_000n;
    for (const r of roots) {
      expect(r.endNs).toBeGreaterThan(burstStartedAtNs - 2_000_000_000n);
      expect(r.endNs).toBeLessThanOrEqual(doneNs);
    }
    const outside = spans.filter((s) => {
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (s.parentSpanId && !parent) return true;
      return parent && (s.startNs < parent.startNs || s.endNs > parent.endNs || s.traceId !== parent.traceId);
    });
    expect(outside).toEqual([]);
  });

  it('links services through CLIENT → SERVER with propagated context', () => {
    const crossService = spans.filter((s) => s.parentSpanId && byId.get(s.parentSpanId)!.service !== s.service);
    expect(crossService.length).toBeGreaterThan(100);
    for (const server of crossService) {
      const client = byId.get(server.parentSpanId)!;
      expect(server.kind).toBe(SPAN_KIND.SERVER);
      expect(client.kind).toBe(SPAN_KIND.CLIENT);
      expect(client.traceId).toBe(server.traceId);
      // the client names the callee it talks to
      expect(client.attributes['net.peer.name'] ?? client.attributes['server.address']).toBe(server.service);
    }
    const pairs = new Set(crossService.map((s) => `${byId.get(s.parentSpanId)!.service}→${s.service}`));
    expect([...pairs].sort()).toEqual(['checkout-api→inventory-api', 'checkout-api→payments-api', 'web-frontend→checkout-api', 'web-frontend→inventory-api']);
  });

  it('shows an N+1: one GET /api/orders fires >= 20 queries of the same shape with different literals', () => {
    const orders = spans.filter((s) => s.kind === SPAN_KIND.SERVER && s.attributes['http.route'] === '/api/orders');
    expect(orders.length).toBeGreaterThan(10);
    for (const server of orders) {
      const queries = spans.filter((s) => s.parentSpanId === server.spanId && s.kind === SPAN_KIND.CLIENT && statementOf(s) !== undefined);
      const byShape = new Map<string, Set<AttrValue>>();
      for (const q of queries) byShape.set(shape(statementOf(q)), (byShape.get(shape(statementOf(q))) ?? new Set()).add(statementOf(q)));
      const items = byShape.get('SELECT * FROM order_items WHERE order_id = ?');
      expect(items?.size).toBeGreaterThanOrEqual(15);
      expect(queries.filter((q) => shape(statementOf(q)) === 'SELECT * FROM order_items WHERE order_id = ?').length).toBeGreaterThanOrEqual(20);
      expect(queries[0].attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.name': 'orders',
        'net.peer.name': 'orders-db.internal',
        'net.peer.port': 5432,
      });
    }
  });

  it('marks failures with ERROR status and exception events, and the caller fails too', () => {
    const failedPays = spans.filter((s) => s.service === 'payments-api' && s.kind === SPAN_KIND.SERVER && s.attributes['http.response.status_code'] === 500);
    expect(failedPays.length).toBeGreaterThan(0);
    for (const pay of failedPays) {
      expect(pay.status.code).toBe(STATUS_ERROR);
      expect(pay.attributes['error.type']).toBe('500');
      const ex = pay.events.find((e) => e.name === 'exception');
      expect(ex?.attributes['exception.type']).toBe('PaymentProviderTimeoutError');
      expect(String(ex?.attributes['exception.stacktrace'])).toContain('at PspClient.charge');
      const client = byId.get(pay.parentSpanId)!;
      expect(client.status.code).toBe(STATUS_ERROR);
      const checkout = byId.get(client.parentSpanId)!;
      expect(checkout).toMatchObject({ service: 'checkout-api', status: { code: STATUS_ERROR } });
      expect(checkout.attributes['http.status_code']).toBe(502);
    }
    const errorEntries = spans.filter((s) => (s.kind === SPAN_KIND.SERVER || s.kind === SPAN_KIND.CONSUMER) && s.status.code === STATUS_ERROR);
    for (const s of errorEntries) expect(s.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('mixes old and stable semantic-convention names, with http.route everywhere', () => {
    const keys = new Set(spans.flatMap((s) => Object.keys(s.attributes)));
    for (const k of ['http.method', 'http.status_code', 'http.target', 'db.statement', 'db.system', 'db.name', 'net.peer.name']) expect(keys).toContain(k);
    for (const k of [
      'http.request.method',
      'http.response.status_code',
      'url.path',
      'db.query.text',
      'db.system.name',
      'db.namespace',
      'db.operation.name',
      'server.address',
    ])
      expect(keys).toContain(k);
    const servers = spans.filter((s) => s.kind === SPAN_KIND.SERVER);
    expect(servers.every((s) => typeof s.attributes['http.route'] === 'string')).toBe(true);
    const dbHosts = new Set(
      spans
        .filter((s) => statementOf(s) !== undefined)
        .map((s) => `${s.attributes['net.peer.name'] ?? s.attributes['server.address']}:${s.attributes['net.peer.port'] ?? s.attributes['server.port']}`),
    );
    expect(dbHosts).toEqual(new Set(['orders-db.internal:5432', 'inventory-db.internal:3306', 'payments-db.internal:5432', 'cache.internal:6379']));
    const consumers = spans.filter((s) => s.kind === SPAN_KIND.CONSUMER);
    expect(consumers.length).toBeGreaterThan(0);
    expect(consumers[0].attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'report-requests' });
  });

  it('sends metrics of gauge, sum and histogram kinds', () => {
    const kinds = new Set(receiver.metrics.map((m) => m.kind));
    expect(kinds).toEqual(new Set(['gauge', 'sum', 'histogram']));
    const names = new Set(receiver.metrics.map((m) => `${m.kind}:${m.name}`));
    for (const n of [
      'histogram:http.server.request.duration',
      'histogram:db.client.operation.duration',
      'histogram:messaging.process.duration',
      'sum:app.transactions',
      'sum:db.client.connection.count',
      'sum:process.memory.usage',
      'gauge:process.cpu.utilization',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(receiver.metrics.map((m) => m.service)).size).toBe(5);
  });

  it('sends one error log per failed span, correlated with its trace and span', () => {
    const errorEntries = spans.filter((s) => (s.kind === SPAN_KIND.SERVER || s.kind === SPAN_KIND.CONSUMER) && s.status.code === STATUS_ERROR);
    const errorLogs = receiver.logs.filter((l) => l.severityNumber === 17);
    expect(errorLogs.length).toBe(errorEntries.length);
    for (const span of errorEntries) {
      const log = errorLogs.find((l) => l.spanId === span.spanId);
      expect(log).toMatchObject({ traceId: span.traceId, service: span.service });
    }
    expect(receiver.logs.every((l) => burst.traceIds.includes(l.traceId))).toBe(true);
  });
});

describe('determinism and failure handling', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  const sequence = (traceIds: string[]): string[] =>
    traceIds.flatMap((id) => {
      const trace = receiver.spans.filter((s) => s.traceId === id);
      const start = trace.reduce((min, s) => (s.startNs < min ? s.startNs : min), trace[0].startNs);
      return trace
        .map((s) => ({ at: s.startNs - start, line: `${s.service} ${s.name} ${s.endNs - s.startNs}` }))
        .sort((a, b) => (a.at === b.at ? a.line.localeCompare(b.line) : a.at < b.at ? -1 : 1))
        .map((s) => `+${s.at} ${s.line}`);
    });

  it('repeats the same span names and durations for the same seed', async () => {
    const opts = { otlpHttpUrl: receiver.url, ingestKey: KEY, transactions: 40 };
    const [a, b, c] = await runDemo({
      mode: 'bursts',
      bursts: [
        { ...opts, seed: 7 },
        { ...opts, seed: 7 },
        { ...opts, seed: 8 },
      ],
    });
    expect(a.spans).toBe(b.spans);
    const seqA = sequence(a.traceIds);
    expect(seqA).toHaveLength(a.spans);
    expect(sequence(b.traceIds)).toEqual(seqA);
    expect(sequence(c.traceIds)).not.toEqual(seqA);
    // ids stay random: two runs of one seed never collide in the intake
    expect(new Set([...a.traceIds, ...b.traceIds]).size).toBe(80);
  });

  it('runs live at the requested rate with transactions ending now, and stop() flushes everything', async () => {
    const before = receiver.spans.length;
    const live = await runDemo({
      mode: 'live',
      options: { otlpHttpUrl: `${receiver.url}/`, ingestKey: KEY, transactionsPerSecond: 50 },
      until: { ms: 2500, timeoutMs: 10_000 },
    });
    expect(live.beforeStop.transactions).toBeGreaterThan(60);
    expect(live.beforeStop.transactions).toBeLessThan(200);
    expect(live.afterStop).toEqual({ ...live.beforeStop, exportErrors: 0 });
    const spans = receiver.spans.slice(before);
    expect(spans).toHaveLength(live.afterStop.spans);
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots).toHaveLength(live.afterStop.transactions);
    // the hitmap fills in real time: each transaction arrives within seconds of its end
    for (const r of roots) {
      expect(r.endNs).toBeLessThanOrEqual(r.receivedAtNs + 50_000_000n);
      expect(r.endNs).toBeGreaterThan(r.receivedAtNs - 3_000_000_000n);
    }
  });

  it('counts export failures against an unreachable intake, logs once, and never throws', async () => {
    const url = await closedPortUrl();
    const live = await runDemo({
      mode: 'live',
      options: { otlpHttpUrl: url, ingestKey: KEY, transactionsPerSecond: 50, exportTimeoutMillis: 300 },
      until: { exportErrors: 1, timeoutMs: 15_000 },
    });
    expect(live.beforeStop.exportErrors).toBeGreaterThan(0);
    // stop() still flushes (and fails) traces and metrics of all five services
    expect(live.afterStop.exportErrors).toBeGreaterThanOrEqual(live.beforeStop.exportErrors + 5);
    expect(live.stopMs).toBeLessThan(5000);
    expect(live.messages).toHaveLength(1);
    expect(live.messages[0]).toContain(url);
    const [burst] = await runDemo({ mode: 'bursts', bursts: [{ otlpHttpUrl: url, ingestKey: KEY, transactions: 5, exportTimeoutMillis: 300 }] });
    expect(burst.exportErrors).toBeGreaterThan(0);
  });

  it('counts a rejected ingest key as export failures', async () => {
    const before = receiver.requests.length;
    const [burst] = await runDemo({ mode: 'bursts', bursts: [{ otlpHttpUrl: receiver.url, ingestKey: 'wrong-key', transactions: 5 }] });
    expect(burst.exportErrors).toBeGreaterThan(0);
    expect(burst.messages[0]).toMatch(/401|Unauthorized/i);
    const requests = receiver.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.status === 401)).toBe(true);
  });

  it('rejects bad options with the field name', () => {
    expect(() => startDemoTraffic({ otlpHttpUrl: 'localhost:4318', ingestKey: KEY })).toThrow(/otlpHttpUrl/);
    expect(() => startDemoTraffic({ otlpHttpUrl: 'http://127.0.0.1:4318', ingestKey: '' })).toThrow(/ingestKey/);
    expect(() => startDemoTraffic({ otlpHttpUrl: 'http://127.0.0.1:4318', ingestKey: KEY, transactionsPerSecond: -1 })).toThrow(/transactionsPerSecond/);
  });
});
