/**
 * End-to-end ingest: C concurrent OTLP/HTTP protobuf clients send pre-generated SDK payloads to
 * an intake (the all-roles server with the inline bus, or an intake process in front of Kafka);
 * the clock runs from the first send until the read API's usage route (of the process that
 * holds the stored rows) reports every span stored.
 */
import { Agent, request } from 'node:http';
import type { ApiClient, MeridianProcess } from '@meridian/testing';
import { type CpuBreakdown, diffProcess, machineUsage, type MachineUsage, snapshotMachine, snapshotProcess, watchPeakRss } from './cpu';

export interface IngestPhaseOptions {
  /** Receives the payloads (OTLP/HTTP port, ingest key). */
  intake: MeridianProcess;
  /** Read API of the process whose ClickHouse stores the rows. */
  reader: ApiClient;
  /** Processes whose CPU is measured, by name → pid. */
  processes: Record<string, number | undefined>;
  bodies: readonly Buffer[];
  spans: number;
  concurrency: number;
  /** Give up waiting for the rows after this long. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface IngestPhaseResult {
  spans: number;
  requests: number;
  /** 503 answers (bus full) that were retried after Retry-After. */
  retries503: number;
  /** 200 answers that carried a partial-success body (should be 0). */
  partialSuccess: number;
  /** First send → last request acknowledged (2xx). */
  ackedMs: number;
  /** First send → usage reports all spans stored. */
  storedMs: number;
  spansPerSec: number;
  ackedSpansPerSec: number;
  requestLatencyMs: { p50: number; p95: number; max: number };
  /** Per measured process (IngestPhaseOptions.processes). */
  processCpu: Record<string, CpuBreakdown>;
  /** Largest resident set size of each measured process while sending and storing, bytes. */
  peakRssBytes: Record<string, number>;
  clientCpuSeconds: number;
  machine: MachineUsage;
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: Buffer;
}

function post(agent: Agent, port: number, key: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-protobuf', 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(ra) ? ra[0] : ra, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface SendOptions {
  intake: MeridianProcess;
  concurrency: number;
  /** The next body to send, or undefined when done; may wait (pacing). Called by C workers. */
  next: () => Promise<Buffer | undefined> | Buffer | undefined;
  /** Called when a body was acknowledged (200). */
  onAck?: (body: Buffer) => void;
}

export interface SendResult {
  retries503: number;
  partialSuccess: number;
  /** Request latency of acknowledged sends, sorted. */
  latenciesMs: number[];
}

/** C workers post bodies until next() runs dry; a 503 is retried after its Retry-After, as the SDK exporters do. */
export async function sendPayloads(opts: SendOptions): Promise<SendResult> {
  const { intake } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latenciesMs: number[] = [];
  let retries503 = 0;
  let partialSuccess = 0;
  const worker = async () => {
    for (let body = await opts.next(); body !== undefined; body = await opts.next()) {
      for (;;) {
        const s = performance.now();
        const a = await post(agent, intake.ports.http, intake.ingestKey, body);
        if (a.status === 503) {
          retries503++;
          const seconds = Number(a.retryAfter);
          await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
          continue;
        }
        if (a.status !== 200) throw new Error(`HTTP ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
        if (a.body.length > 0) partialSuccess++;
        latenciesMs.push(performance.now() - s);
        opts.onAck?.(body);
        break;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  latenciesMs.sort((a, b) => a - b);
  return { retries503, partialSuccess, latenciesMs };
}

/** Spans the tenant has stored, from the usage route. */
export async function storedSpans(reader: ApiClient): Promise<number> {
  const res = await reader.get<{ spans: number }>('/usage');
  if (res.status !== 200) throw new Error(`usage: HTTP ${res.status}`);
  return res.body.spans;
}

export async function runIngestPhase(opts: IngestPhaseOptions): Promise<IngestPhaseResult> {
  const { bodies } = opts;
  const pids = Object.entries(opts.processes).map(([name, pid]) => {
    if (pid === undefined) throw new Error(`process ${name} has no pid`);
    return [name, pid] as const;
  });
  const cpu0 = pids.map(([, pid]) => snapshotProcess(pid));
  const rss = pids.map(([, pid]) => watchPeakRss(pid));
  const machine0 = snapshotMachine();
  const client0 = process.cpuUsage();
  const t0 = performance.now();

  let next = 0;
  const sent = await sendPayloads({ intake: opts.intake, concurrency: opts.concurrency, next: () => bodies[next++] });
  const ackedMs = performance.now() - t0;
  opts.log(`  all ${bodies.length} requests acknowledged after ${(ackedMs / 1000).toFixed(1)} s; waiting for the rows`);

  let stored = 0;
  for (;;) {
    stored = await storedSpans(opts.reader);
    if (stored >= opts.spans) break;
    if (performance.now() - t0 > opts.timeoutMs) throw new Error(`only ${stored} of ${opts.spans} spans stored after ${opts.timeoutMs} ms`);
    await sleep(50);
  }
  const storedMs = performance.now() - t0;
  const processCpu = Object.fromEntries(pids.map(([name, pid], i) => [name, diffProcess(cpu0[i], snapshotProcess(pid))]));
  const peakRssBytes = Object.fromEntries(pids.map(([name], i) => [name, rss[i].stop()]));
  const machine = machineUsage(machine0, snapshotMachine());
  const client = process.cpuUsage(client0);
  if (stored !== opts.spans) throw new Error(`usage reports ${stored} spans, expected ${opts.spans} (duplicates?)`);

  const latencies = sent.latenciesMs;
  return {
    spans: opts.spans,
    requests: bodies.length,
    retries503: sent.retries503,
    partialSuccess: sent.partialSuccess,
    ackedMs,
    storedMs,
    spansPerSec: opts.spans / (storedMs / 1000),
    ackedSpansPerSec: opts.spans / (ackedMs / 1000),
    requestLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies[latencies.length - 1] ?? 0 },
    processCpu,
    peakRssBytes,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    machine,
  };
}
