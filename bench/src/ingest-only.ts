/**
 * The bench's ingest phase alone (`node scripts/run-ts.js bench/src/ingest-only.ts`): the same
 * payloads, server settings and clients as `npm run bench` step 1, on a fresh data dir, printing
 * spans/s and the server's memory breakdown; writes no results file. BENCH_PAYLOADS,
 * BENCH_SPANS_PER_PAYLOAD, BENCH_CONCURRENCY, BENCH_SEED and MERIDIAN_* (passed to the server)
 * as in bench.ts. For trying memory and throughput settings in ~1 minute instead of ~8.
 * Also: BENCH_WARMUP_PAYLOADS=N sends N other payloads first (a warm server: JIT done, tables
 * not empty); BENCH_SERVER_NODE_ARGS="--trace-gc" (or --cpu-prof …) are the server's Node flags;
 * BENCH_SERVER_LOG=<file> keeps what the server printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@meridian/config';
import { ApiClient, startMeridian } from '@meridian/testing';
import { memoryProbeEnv, runIngestPhase } from './ingest-phase';
import { generatePayloads } from './payloads';

function intEnv(name: string, fallback: number): number {
  const n = Number((process.env[name] ?? '').replace(/_/g, ''));
  return process.env[name] && Number.isInteger(n) && n > 0 ? n : fallback;
}

async function main(): Promise<void> {
  const cfg = defaultConfig();
  const set = generatePayloads({
    payloads: intEnv('BENCH_PAYLOADS', 600),
    spansPerPayload: intEnv('BENCH_SPANS_PER_PAYLOAD', 800),
    seed: intEnv('BENCH_SEED', 20261121),
    endTimeMs: Date.now(),
    spreadMs: 10 * 60_000,
  });
  // As bench.ts: the server's own defaults, every MERIDIAN_* of this environment, no tenant limits.
  const env: Record<string, string> = {
    MERIDIAN_DEMO: '0',
    MERIDIAN_INGEST_BATCH_ROWS: String(cfg.ingester.batchMaxRows),
    MERIDIAN_INGEST_BATCH_BYTES: String(cfg.ingester.batchMaxBytes),
    MERIDIAN_INGEST_FLUSH_MS: String(cfg.ingester.flushIntervalMs),
    MERIDIAN_BUS_INLINE_MAX_BYTES: String(cfg.bus.inlineMaxBytes),
    MERIDIAN_INTAKE_SPANS_PER_SECOND: '1000000000',
    MERIDIAN_INTAKE_BYTES_PER_SECOND: '1000000000000',
  };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (k.startsWith('MERIDIAN_') || k.startsWith('MALLOC_'))) env[k] = v;
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-ingest-only-'));
  const probe = join(tmpdir(), `meridian-ingest-only-memory-${process.pid}.jsonl`);
  try {
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);
    const server = await startMeridian({ dataDir, env: memoryProbeEnv(probe, env), timeoutMs: 120_000, nodeArgs });
    try {
      const warmup = intEnv('BENCH_WARMUP_PAYLOADS', 0);
      if (warmup > 0) {
        const w = generatePayloads({
          payloads: warmup,
          spansPerPayload: intEnv('BENCH_SPANS_PER_PAYLOAD', 800),
          seed: 1,
          endTimeMs: Date.now(),
          spreadMs: 10 * 60_000,
        });
        const reader = new ApiClient(server.ports.api, server.apiKey, cfg.demo.tenantSlug);
        const r = await runIngestPhase({
          intake: server,
          reader,
          processes: { server: server.child.pid },
          bodies: w.bodies,
          spans: w.spans,
          concurrency: 8,
          timeoutMs: 600_000,
          log: () => undefined,
        });
        console.log(`warm-up: ${w.spans} spans, ${r.spansPerSec.toFixed(0)} spans/s stored`);
      }
      const load = loadavg()[0];
      const r = await runIngestPhase({
        intake: server,
        reader: new ApiClient(server.ports.api, server.apiKey, cfg.demo.tenantSlug),
        processes: { server: server.child.pid },
        bodies: set.bodies,
        spans: set.spans,
        concurrency: intEnv('BENCH_CONCURRENCY', 8),
        timeoutMs: 600_000,
        log: console.log,
        memoryProbe: probe,
      });
      console.log(
        `${set.spans} spans: ${r.spansPerSec.toFixed(0)} spans/s stored, ${r.ackedSpansPerSec.toFixed(0)} acknowledged, ${r.retries503} retries after 503; ` +
          `server RSS peak ${(r.peakRssBytes.server / 2 ** 20).toFixed(0)} MiB; machine busy ${r.machine.busyCores.toFixed(2)} of ${cpus().length} cores, load average ${load.toFixed(1)} at the start`,
      );
      const cpu = r.processCpu.server;
      const perSpan = (seconds: number) => ((seconds * 1e6) / set.spans).toFixed(1);
      console.log(
        `server CPU ${perSpan(cpu.processCpuSeconds)} µs/span: ` + cpu.byThread.map((t) => `${t.name} ×${t.threads} ${perSpan(t.cpuSeconds)}`).join(', '),
      );
    } catch (e) {
      console.error(`server output (last lines):\n${server.output().slice(-3000)}`);
      throw e;
    } finally {
      if (process.env.BENCH_SERVER_LOG) writeFileSync(process.env.BENCH_SERVER_LOG, server.output());
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(probe, { force: true });
    rmSync(`${probe}.go`, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
