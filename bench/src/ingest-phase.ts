/**
 * End-to-end ingest: C concurrent OTLP/HTTP protobuf clients send pre-generated SDK payloads to
 * an intake (the all-roles server with the inline bus, or an intake process in front of Kafka);
 * the clock runs from the first send until the read API's usage route (of the process that
 * holds the stored rows) reports every span stored.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
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
  /** The server was started with memoryProbeEnv(file): break its RSS down (memory-probe.js). */
  memoryProbe?: string;
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
  /** Where the server's memory was at its RSS peak, and the largest of each part over the phase (with memoryProbe). */
  memory?: MemoryBreakdown;
}

/** Bytes. V8 figures per isolate: `external` includes its ArrayBuffers (Buffers; PGlite's WebAssembly memory). */
export interface MemoryParts {
  rss: number;
  rssAnon: number;
  rssFile: number;
  threads: number;
  mainHeap: number;
  mainExternal: number;
  /** Intake encode threads, summed. */
  encodeHeap: number;
  encodeExternal: number;
  pgliteHeap: number;
  pgliteExternal: number;
  /** The embedded ClickHouse engine's MemoryTracking (its own allocations: queries, merges, caches). */
  engineTracked: number;
  engineQueries: number;
  engineMerges: number;
  engineCaches: number;
}

export interface MemoryBreakdown {
  atPeak: MemoryParts;
  max: MemoryParts;
  samples: number;
}

const MEMORY_PROBE = join(__dirname, 'memory-probe.js');

/** Server environment that preloads memory-probe.js, writing to `file`. */
export function memoryProbeEnv(file: string, base: Record<string, string> = {}): Record<string, string> {
  rmSync(file, { force: true });
  rmSync(`${file}.go`, { force: true });
  return { ...base, MERIDIAN_BENCH_MEMORY_PROBE: file, NODE_OPTIONS: `${base.NODE_OPTIONS ?? ''} --require ${MEMORY_PROBE}`.trim() };
}

interface ProbeRow {
  t: number;
  thread: number;
  kind: 'main' | 'worker' | 'pglite';
  heapTotal: number;
  external: number;
  rss?: number;
  anon?: number;
  file?: number;
  threads?: number;
  engine?: Record<string, number>;
}

/** Memory parts at time `at`: each thread's last sample up to then. */
function partsAt(rows: readonly ProbeRow[], main: ProbeRow): MemoryParts {
  const last = new Map<number, ProbeRow>();
  for (const r of rows) if (r.t <= main.t + 250 && r.t >= main.t - 2_000) last.set(r.thread, r);
  const threads = [...last.values()];
  const sum = (kind: ProbeRow['kind'], f: (r: ProbeRow) => number) => threads.filter((r) => r.kind === kind).reduce((n, r) => n + f(r), 0);
  const e = main.engine ?? {};
  return {
    rss: main.rss ?? 0,
    rssAnon: main.anon ?? 0,
    rssFile: main.file ?? 0,
    threads: main.threads ?? 0,
    mainHeap: main.heapTotal,
    mainExternal: main.external,
    encodeHeap: sum('worker', (r) => r.heapTotal),
    encodeExternal: sum('worker', (r) => r.external),
    pgliteHeap: sum('pglite', (r) => r.heapTotal),
    pgliteExternal: sum('pglite', (r) => r.external),
    engineTracked: e.MemoryTracking ?? 0,
    engineQueries: e.queries ?? 0,
    engineMerges: e.merges ?? 0,
    engineCaches: (e.MarkCacheBytes ?? 0) + (e.PrimaryIndexCacheBytes ?? 0) + (e.IndexMarkCacheBytes ?? 0),
  };
}

/** Reads memory-probe.js's samples between t0 and t1 (epoch ms). */
export function readMemoryProbe(file: string, t0: number, t1: number): MemoryBreakdown | undefined {
  if (!existsSync(file)) return undefined;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProbeRow);
  const mains = rows.filter((r) => r.kind === 'main' && r.t >= t0 && r.t <= t1);
  if (mains.length === 0) return undefined;
  const all = mains.map((m) => partsAt(rows, m));
  const peakAt = all.reduce((best, p, i) => (p.rss > all[best].rss ? i : best), 0);
  const max = Object.fromEntries(Object.keys(all[0]).map((k) => [k, Math.max(...all.map((p) => p[k as keyof MemoryParts]))])) as unknown as MemoryParts;
  return { atPeak: all[peakAt], max, samples: mains.length };
}

/** One line per part, MiB: at the RSS peak (largest over the phase). */
export function formatMemoryBreakdown(m: MemoryBreakdown): string[] {
  const f = (k: keyof MemoryParts) => `${(m.atPeak[k] / 2 ** 20).toFixed(0)} (${(m.max[k] / 2 ** 20).toFixed(0)})`;
  return [
    `  server memory at its RSS peak, MiB (largest over the phase), ${m.samples} samples:`,
    `    RSS ${f('rss')} = anonymous ${f('rssAnon')} + files ${f('rssFile')} (libchdb, node); ${m.atPeak.threads} threads`,
    // external counts WebAssembly memories whole (libpg-query's 128 MiB in every isolate that fingerprints SQL, PGlite's),
    // though only their touched pages are resident: it can add up to more than the RSS.
    `    main thread V8 heap ${f('mainHeap')}, external ${f('mainExternal')} (Buffers of the bus queue and requests in flight; libpg-query)`,
    `    intake encode threads V8 heap ${f('encodeHeap')}, external ${f('encodeExternal')} (libpg-query, mostly untouched)`,
    `    control plane (PGlite thread) V8 heap ${f('pgliteHeap')}, external ${f('pgliteExternal')} (its WebAssembly memory)`,
    `    ClickHouse engine tracked ${f('engineTracked')}: queries ${f('engineQueries')}, merges ${f('engineMerges')}, caches ${f('engineCaches')}`,
  ];
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
  if (opts.memoryProbe) writeFileSync(`${opts.memoryProbe}.go`, ''); // the engine is open: the probe may connect
  const before = await storedSpans(opts.reader); // an earlier (warm-up) run's spans
  const machine0 = snapshotMachine();
  const client0 = process.cpuUsage();
  const wall0 = Date.now();
  const t0 = performance.now();

  let next = 0;
  const sent = await sendPayloads({ intake: opts.intake, concurrency: opts.concurrency, next: () => bodies[next++] });
  const ackedMs = performance.now() - t0;
  opts.log(`  all ${bodies.length} requests acknowledged after ${(ackedMs / 1000).toFixed(1)} s; waiting for the rows`);

  let stored = 0;
  for (;;) {
    stored = (await storedSpans(opts.reader)) - before;
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
  const memory = opts.memoryProbe ? readMemoryProbe(opts.memoryProbe, wall0, Date.now()) : undefined;
  if (memory) formatMemoryBreakdown(memory).forEach((line) => opts.log(line));

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
    memory,
  };
}
