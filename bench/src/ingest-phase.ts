/**
 * End-to-end ingest: the real server (all roles, embedded ClickHouse, inline bus) as a child
 * process; C concurrent OTLP/HTTP protobuf clients send pre-generated SDK payloads; the clock
 * runs from the first send until the read API's usage route reports every span stored.
 */
import { Agent, request } from 'node:http';
import { ApiClient, type MeridianProcess } from '@meridian/testing';
import { type CpuBreakdown, diffProcess, machineUsage, type MachineUsage, snapshotMachine, snapshotProcess } from './cpu';

export interface IngestPhaseOptions {
  server: MeridianProcess;
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
  serverCpu: CpuBreakdown;
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runIngestPhase(opts: IngestPhaseOptions): Promise<IngestPhaseResult> {
  const { server, bodies } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const api = new ApiClient(server.ports.api, server.apiKey, 'demo');
  const latencies: number[] = [];
  let next = 0;
  let retries503 = 0;
  let partialSuccess = 0;

  const pid = server.child.pid;
  if (pid === undefined) throw new Error('server child has no pid');
  const cpu0 = snapshotProcess(pid);
  const machine0 = snapshotMachine();
  const client0 = process.cpuUsage();
  const t0 = performance.now();

  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      for (;;) {
        const s = performance.now();
        const a = await post(agent, server.ports.http, server.ingestKey, bodies[i]);
        if (a.status === 503) {
          retries503++;
          const seconds = Number(a.retryAfter);
          await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
          continue;
        }
        if (a.status !== 200) throw new Error(`payload ${i}: HTTP ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
        if (a.body.length > 0) partialSuccess++;
        latencies.push(performance.now() - s);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const ackedMs = performance.now() - t0;
  opts.log(`  all ${bodies.length} requests acknowledged after ${(ackedMs / 1000).toFixed(1)} s; waiting for the rows`);

  let stored = 0;
  for (;;) {
    const res = await api.get<{ spans: number }>('/usage');
    if (res.status !== 200) throw new Error(`usage: HTTP ${res.status}`);
    stored = res.body.spans;
    if (stored >= opts.spans) break;
    if (performance.now() - t0 > opts.timeoutMs) throw new Error(`only ${stored} of ${opts.spans} spans stored after ${opts.timeoutMs} ms`);
    await sleep(50);
  }
  const storedMs = performance.now() - t0;
  const serverCpu = diffProcess(cpu0, snapshotProcess(pid));
  const machine = machineUsage(machine0, snapshotMachine());
  const client = process.cpuUsage(client0);
  agent.destroy();
  if (stored !== opts.spans) throw new Error(`usage reports ${stored} spans, expected ${opts.spans} (duplicates?)`);

  latencies.sort((a, b) => a - b);
  return {
    spans: opts.spans,
    requests: bodies.length,
    retries503,
    partialSuccess,
    ackedMs,
    storedMs,
    spansPerSec: opts.spans / (storedMs / 1000),
    ackedSpansPerSec: opts.spans / (ackedMs / 1000),
    requestLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies[latencies.length - 1] ?? 0 },
    serverCpu,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    machine,
  };
}
