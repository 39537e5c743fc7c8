/**
 * What the inline bus's write-ahead log costs: the all-roles server ingests the same SDK payloads
 * twice on fresh data dirs, with MERIDIAN_BUS_WAL=0 and =1 (the default, fsync always), through
 * the ingest phase's clients and clock. Reports spans/s stored and acknowledged, request latency,
 * and the server's own WAL figures (fsyncs, fsync latency) from its /metrics.
 *
 * Run alone (a few minutes at most): `node scripts/run-ts.js bench/src/wal-phase.ts`
 * (BENCH_WAL_PAYLOADS, BENCH_SPANS_PER_PAYLOAD, BENCH_CONCURRENCY); `npm run bench` runs it after
 * the main ingest phase with the same payloads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@meridian/config';
import { ApiClient, type MeridianProcess, startMeridian } from '@meridian/testing';
import { type IngestPhaseResult, runIngestPhase } from './ingest-phase';

export interface WalPhaseOptions {
  bodies: readonly Buffer[];
  spans: number;
  concurrency: number;
  /** Server environment (batching, demo off); MERIDIAN_BUS_WAL is set per run. */
  env: Record<string, string>;
  tenantSlug: string;
  log: (line: string) => void;
}

export interface WalRun {
  wal: boolean;
  spansPerSec: number;
  ackedSpansPerSec: number;
  requestLatencyMs: IngestPhaseResult['requestLatencyMs'];
  retries503: number;
  serverCores: number;
  /** From the server's /metrics (WAL on only). */
  fsyncs?: number;
  fsyncMeanMs?: number;
  walWrittenBytes?: number;
}

export interface WalPhaseResult {
  spans: number;
  off: WalRun;
  on: WalRun;
  /** Stored spans/s with the WAL on ÷ off (1 = free). */
  storedRatio: number;
  ackedRatio: number;
}

/** Sum of a Prometheus metric's samples (all label sets) in exposition text. */
function metricSum(text: string, name: string): number | undefined {
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm');
  let sum: number | undefined;
  for (const m of text.matchAll(re)) sum = (sum ?? 0) + Number(m[1]);
  return sum;
}

async function scrape(server: MeridianProcess): Promise<string> {
  for (const path of ['/metrics', '/api/v1/metrics']) {
    const res = await fetch(`http://127.0.0.1:${server.ports.api}${path}`).catch(() => undefined);
    if (res?.ok) return res.text();
  }
  return '';
}

async function runOnce(wal: boolean, o: WalPhaseOptions): Promise<WalRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-bench-wal-${wal ? 'on' : 'off'}-`));
  let server: MeridianProcess | undefined;
  try {
    server = await startMeridian({ dataDir, env: { ...o.env, MERIDIAN_BUS_WAL: wal ? '1' : '0' }, timeoutMs: 120_000 });
    const r = await runIngestPhase({
      intake: server,
      reader: new ApiClient(server.ports.api, server.apiKey, o.tenantSlug),
      processes: { server: server.child.pid },
      bodies: o.bodies,
      spans: o.spans,
      concurrency: o.concurrency,
      timeoutMs: 600_000,
      log: o.log,
    });
    const text = wal ? await scrape(server) : '';
    const fsyncs = metricSum(text, 'meridian_bus_wal_fsyncs_total');
    const fsyncSeconds = metricSum(text, 'meridian_bus_wal_fsync_seconds_sum');
    const code = await server.stop();
    if (code !== 0) throw new Error(`server (WAL ${wal ? 'on' : 'off'}) exited with ${code} on SIGTERM:\n${server.output().slice(-3000)}`);
    const run: WalRun = {
      wal,
      spansPerSec: r.spansPerSec,
      ackedSpansPerSec: r.ackedSpansPerSec,
      requestLatencyMs: r.requestLatencyMs,
      retries503: r.retries503,
      serverCores: r.processCpu.server.processCores,
      fsyncs,
      fsyncMeanMs: fsyncs && fsyncSeconds !== undefined ? (fsyncSeconds / fsyncs) * 1000 : undefined,
      walWrittenBytes: metricSum(text, 'meridian_bus_wal_written_bytes_total'),
    };
    o.log(
      `  WAL ${wal ? 'on ' : 'off'}: ${Math.round(run.spansPerSec).toLocaleString('en-US')} spans/s stored, ${Math.round(run.ackedSpansPerSec).toLocaleString('en-US')} spans/s acknowledged, ` +
        `request p50/p95 ${run.requestLatencyMs.p50.toFixed(1)}/${run.requestLatencyMs.p95.toFixed(1)} ms, ${run.retries503} retries after 503` +
        (fsyncs ? `; ${fsyncs} fsyncs, mean ${run.fsyncMeanMs!.toFixed(2)} ms` : ''),
    );
    return run;
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runWalPhase(o: WalPhaseOptions): Promise<WalPhaseResult> {
  const off = await runOnce(false, o);
  const on = await runOnce(true, o);
  return { spans: o.spans, off, on, storedRatio: on.spansPerSec / off.spansPerSec, ackedRatio: on.ackedSpansPerSec / off.ackedSpansPerSec };
}

// Alone: generate a small payload set and run just this phase.
if (process.argv[1] === __filename) {
  void (async () => {
    const { generatePayloads } = await import('./payloads');
    const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
    const set = generatePayloads({
      payloads: num('BENCH_WAL_PAYLOADS', 100),
      spansPerPayload: num('BENCH_SPANS_PER_PAYLOAD', 800),
      seed: 20261121,
      endTimeMs: Date.now(),
      spreadMs: 10 * 60_000,
    });
    const result = await runWalPhase({
      bodies: set.bodies,
      spans: set.spans,
      concurrency: num('BENCH_CONCURRENCY', 8),
      env: { MERIDIAN_DEMO: '0' },
      tenantSlug: defaultConfig().demo.tenantSlug,
      log: (l) => console.log(l),
    });
    console.log(JSON.stringify(result, null, 2));
  })().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`wal phase failed: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
