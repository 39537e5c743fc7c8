/**
 * `npm run bench`: Meridian's benchmark, end to end on this machine.
 *
 *  1. ingest — the real server (all roles, embedded ClickHouse, inline bus) as a child process;
 *     C concurrent OTLP/HTTP clients send protobuf payloads made by the real OpenTelemetry SDK;
 *     clock: first send → the usage API reports every span stored.
 *  1b. Kafka — the same payloads through an intake process, Apache Kafka (3 brokers, RF 3) and/or
 *     librdkafka's mock broker (BENCH_KAFKA=apache|mock|both) and an ingester process (kafka-phase.ts): spans/s stored, then consumer lag at half that rate.
 *  2. raw baseline — server stopped; this process opens the same data dir and inserts the same
 *     rows (same serializer, same batching) with RowWriter under another tenant.
 *  3. volume — the tenant is brought to ≥ N spans with INSERT … SELECT inside ClickHouse.
 *  4. latency — hitmap (1 h and 10 min), hitmap of one service, trace by id, through
 *     TelemetryQueries: once right after the load (background merges running), once after
 *     step 5 (headline); windows end where the data ends (the volume load's now).
 *  5. storage — OPTIMIZE … FINAL, then bytes per span from system.parts (also measured for the
 *     SDK-ingested rows alone, before step 3).
 *  6. API latency — the server started again on the data dir; hitmap 1 h and 10 min through
 *     `GET /api/v1/tenants/{tenant}/hitmap` (auth, validation, JSON included).
 *
 * Parameters come from BENCH_* environment variables (see readParams); results go to stdout
 * and bench/results/latest.json. The temp data dir and the server process are always removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultConfig } from '@meridian/config';
import { ClickHouseClients, HostQueries, LogSearchQueries, type RegionStore, TelemetryQueries, TraceSearchQueries } from '@meridian/storage-clickhouse';
import { ApiClient, type MeridianProcess, startMeridian } from '@meridian/testing';
import { measureApiHitmap } from './api-latency';
import { hostsTable, measureHosts } from './hosts-latency';
import { machineUsage, snapshotMachine } from './cpu';
import { memoryProbeEnv, runIngestPhase } from './ingest-phase';
import { runKafkaPhase } from './kafka-phase';
import { runNoisyNeighbourPhase } from './noisy-neighbour-phase';
import { runWalPhase } from './wal-phase';
import { type LatencyResult, measureLatencies } from './latency';
import { logSearchTable, measureLogSearch } from './log-search-latency';
import { generatePayloads } from './payloads';
import { runRawBaseline } from './raw-baseline';
import { type BenchReport, fmt, renderTable, type TableRow, targetsOf, writeReport } from './report';
import { measureStorage } from './storage';
import { measureTraceSearch, traceSearchTable } from './trace-search-latency';
import { loadVolume, VOLUME_SERVICES } from './volume';

// Trial runs can write elsewhere (BENCH_RESULT_FILE) and leave the committed record alone.
const RESULT_FILE = resolve(process.env.BENCH_RESULT_FILE || resolve(__dirname, '../results/latest.json'));
const RAW_TENANT = 'bench-raw-baseline';
// The Kafka phase's control plane: a fresh database on this PostgreSQL server (as the e2e tests).
const POSTGRES_URL = process.env.MERIDIAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function intEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return n;
}

function readParams() {
  const ingester = defaultConfig().ingester;
  const bus = defaultConfig().bus;
  return {
    payloads: intEnv('BENCH_PAYLOADS', 600),
    spansPerPayload: intEnv('BENCH_SPANS_PER_PAYLOAD', 800),
    concurrency: intEnv('BENCH_CONCURRENCY', 8),
    volumeSpans: intEnv('BENCH_VOLUME_SPANS', 10_000_000),
    volumeChunkRows: intEnv('BENCH_VOLUME_CHUNK_ROWS', 1_000_000),
    latencyRuns: intEnv('BENCH_LATENCY_RUNS', 60),
    transactionRuns: intEnv('BENCH_TRANSACTION_RUNS', 10),
    apiLatencyRuns: intEnv('BENCH_API_LATENCY_RUNS', 60),
    kafkaLagSeconds: intEnv('BENCH_KAFKA_LAG_SECONDS', 60),
    kafkaSpanPartitions: intEnv('BENCH_KAFKA_PARTITIONS', 4),
    // Noisy neighbour: the per-tenant span limit, flood seconds (at 2× the limit), victim alone first, victim spans/s.
    noisyLimit: intEnv('BENCH_NOISY_LIMIT', 5_000),
    noisySeconds: intEnv('BENCH_NOISY_SECONDS', 20),
    noisyQuietSeconds: intEnv('BENCH_NOISY_QUIET_SECONDS', 5),
    noisyVictimRps: intEnv('BENCH_NOISY_VICTIM_RPS', 5),
    // WAL on vs off: payloads (the first N of the set) per run, each run on a fresh server.
    walPayloads: intEnv('BENCH_WAL_PAYLOADS', 200),
    seed: intEnv('BENCH_SEED', 20261121),
    // Server settings; defaults are the server's own (README), passed explicitly so the raw baseline batches the same way.
    server: {
      MERIDIAN_INGEST_BATCH_ROWS: intEnv('MERIDIAN_INGEST_BATCH_ROWS', ingester.batchMaxRows),
      MERIDIAN_INGEST_BATCH_BYTES: intEnv('MERIDIAN_INGEST_BATCH_BYTES', ingester.batchMaxBytes),
      MERIDIAN_INGEST_FLUSH_MS: intEnv('MERIDIAN_INGEST_FLUSH_MS', ingester.flushIntervalMs),
      MERIDIAN_BUS_INLINE_MAX_BYTES: intEnv('MERIDIAN_BUS_INLINE_MAX_BYTES', bus.inlineMaxBytes),
    },
  };
}

const log = (line: string) => console.log(line);

async function scalarText(store: RegionStore, query: string): Promise<string> {
  const rs = await store.client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  return String(row?.v ?? '');
}

async function main(): Promise<void> {
  const params = readParams();
  const cfg = defaultConfig();
  const region = cfg.regions.find((r) => r.id === cfg.defaultRegion) ?? cfg.regions[0];
  const started = performance.now();
  // Per phase: wall time, and how busy the machine was beside this process (and the server,
  // which runs only in the ingest phase): others' work on a shared machine skews every figure.
  const phases: Record<string, { seconds: number; machineBusyCores: number; benchCores: number }> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    log(`\n== ${name}`);
    const t = performance.now();
    const machine0 = snapshotMachine();
    const cpu0 = process.cpuUsage();
    try {
      return await fn();
    } finally {
      const seconds = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      phases[name] = { seconds, machineBusyCores: machineUsage(machine0, snapshotMachine()).busyCores, benchCores: (cpu.user + cpu.system) / 1e6 / seconds };
    }
  };

  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  let server: MeridianProcess | undefined;
  let clients: ClickHouseClients | undefined;
  const cleanup = async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill();
    await clients?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`Meridian bench: ${cpus().length} cores, node ${process.version}, data in ${dataDir}`);

    const payloads = await phase('generate OTLP payloads (OpenTelemetry SDK)', async () => {
      const set = generatePayloads({
        payloads: params.payloads,
        spansPerPayload: params.spansPerPayload,
        seed: params.seed,
        endTimeMs: Date.now(),
        spreadMs: 10 * 60_000,
      });
      log(
        `  ${fmt(set.spans)} spans in ${set.bodies.length} payloads (${fmt(set.bytes / set.spans)} B/span protobuf), ${fmt(set.traces)} traces, ${set.errorTraces} failing; ${fmt(set.spans / (set.generateMs / 1000))} spans/s`,
      );
      return set;
    });

    const serverEnv = {
      MERIDIAN_DEMO: '0',
      ...Object.fromEntries(Object.entries(params.server).map(([k, v]) => [k, String(v)])),
      // Throughput phases measure the system, not a tenant's ingest limit (the noisy-neighbour phase sets its own).
      MERIDIAN_INTAKE_SPANS_PER_SECOND: '1000000000',
      MERIDIAN_INTAKE_BYTES_PER_SECOND: '1000000000000',
    };
    const ingest = await phase('ingest: server child process, OTLP/HTTP protobuf', async () => {
      const t = performance.now();
      // The server's memory, broken down by memory-probe.js (preloaded; it samples every 500 ms).
      const memoryProbe = join(tmpdir(), `meridian-bench-memory-${process.pid}.jsonl`);
      const s0 = await startMeridian({ dataDir, env: memoryProbeEnv(memoryProbe, serverEnv), timeoutMs: 120_000 });
      server = s0;
      log(`  server pid ${s0.child.pid} ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const result = await runIngestPhase({
        intake: s0,
        reader: new ApiClient(s0.ports.api, s0.apiKey, cfg.demo.tenantSlug),
        processes: { server: s0.child.pid },
        bodies: payloads.bodies,
        spans: payloads.spans,
        concurrency: params.concurrency,
        timeoutMs: 600_000,
        log,
        memoryProbe,
      });
      rmSync(memoryProbe, { force: true });
      rmSync(`${memoryProbe}.go`, { force: true });
      const s = performance.now();
      const code = await s0.stop();
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${s0.output().slice(-3000)}`);
      log(
        `  ${fmt(result.spansPerSec)} spans/s stored (${fmt(result.ackedSpansPerSec)} spans/s acknowledged), ${result.retries503} retries after 503; server stopped in ${((performance.now() - s) / 1000).toFixed(1)} s`,
      );
      return result;
    });
    const serverCpu = ingest.processCpu.server;

    const walBodies = payloads.bodies.slice(0, params.walPayloads);
    const wal = await phase('WAL: the same ingest with the inline bus write-ahead log off, then on (default)', () =>
      runWalPhase({
        bodies: walBodies,
        spans: payloads.spanCounts.slice(0, walBodies.length).reduce((n, c) => n + c, 0),
        concurrency: params.concurrency,
        env: serverEnv,
        tenantSlug: cfg.demo.tenantSlug,
        log,
      }),
    );

    const kafka = await phase(`Kafka (${process.env.BENCH_KAFKA ?? 'apache'}): intake process → broker → ingester process`, () => {
      // The paced step sends other spans than the throughput step (same mix, another seed).
      const paced = generatePayloads({
        payloads: params.payloads,
        spansPerPayload: params.spansPerPayload,
        seed: params.seed + 1,
        endTimeMs: Date.now(),
        spreadMs: 10 * 60_000,
      });
      return runKafkaPhase({
        dataDir,
        postgresUrl: POSTGRES_URL,
        regionIds: cfg.regions.map((r) => r.id),
        regionId: region.id,
        spanPartitions: params.kafkaSpanPartitions,
        bodies: payloads.bodies,
        spanCounts: payloads.spanCounts,
        spans: payloads.spans,
        paced: { bodies: paced.bodies, spanCounts: paced.spanCounts },
        concurrency: params.concurrency,
        env: serverEnv,
        lagSeconds: params.kafkaLagSeconds,
        log,
      });
    });

    const ch = new ClickHouseClients({
      embeddedDataDir: join(dataDir, 'clickhouse'),
      regions: cfg.regions.map((r) => ({ id: r.id, database: r.clickhouse.database, clickhouse: r.clickhouse })),
    });
    clients = ch;
    const store = ch.forRegion(region.id);
    const queries = new TelemetryQueries(ch);
    const clickhouseVersion = await scalarText(store, 'SELECT version() AS v');
    const tenants = await (
      await store.client.query({ query: `SELECT tenant_id, count() AS n FROM ${store.table('spans')} GROUP BY tenant_id`, format: 'JSONEachRow' })
    ).json<{ tenant_id: string; n: string }>();
    if (tenants.length !== 1 || Number(tenants[0].n) !== payloads.spans) {
      throw new Error(`expected one tenant with ${payloads.spans} spans after ingest, found ${JSON.stringify(tenants)}`);
    }
    const tenantId = tenants[0].tenant_id;

    const raw = await phase('raw insert baseline: same rows, RowWriter, same engine', () =>
      runRawBaseline({
        clients: ch,
        regionId: region.id,
        bodies: payloads.bodies,
        tenantId: RAW_TENANT,
        retentionDays: cfg.retentionDays,
        batchMaxRows: params.server.MERIDIAN_INGEST_BATCH_ROWS,
        batchMaxBytes: params.server.MERIDIAN_INGEST_BATCH_BYTES,
        batchesWithoutViews: 6,
        log,
      }),
    );
    payloads.bodies.length = 0; // free the payloads before the volume load

    const storageSdk = await phase('storage of the SDK rows (OPTIMIZE FINAL)', async () => {
      const s = await measureStorage(store);
      log(`  ${fmt(s.spansRows)} rows: ${fmt(s.bytesPerSpan, 1)} B/span (spans), ${fmt(s.bytesPerSpanWithViews, 1)} B/span with views`);
      return s;
    });

    const nowMs = Date.now();
    const volume = await phase(`volume: tenant to ≥ ${fmt(params.volumeSpans)} spans (INSERT … SELECT)`, async () => {
      const current = await queries.countRows(region.id, tenantId, 'spans');
      return loadVolume({
        store,
        tenantId,
        targetRows: params.volumeSpans,
        currentRows: current,
        chunkRows: params.volumeChunkRows,
        nowNs: BigInt(nowMs) * 1_000_000n,
        salt: params.seed,
        log,
      });
    });
    const tenantSpans = await queries.countRows(region.id, tenantId, 'spans');

    const latencyOptions = { queries, store, regionId: region.id, tenantId, service: VOLUME_SERVICES[1], runs: params.latencyRuns, seed: params.seed, nowMs };
    const logLatency = (l: LatencyResult) =>
      log(
        `  hitmap 1 h p50/p95 ${l.hitmap.p50Ms.toFixed(1)}/${l.hitmap.p95Ms.toFixed(1)} ms, 10 min ${l.hitmap10m.p50Ms.toFixed(1)}/${l.hitmap10m.p95Ms.toFixed(1)} ms, one service ${l.hitmapByService.p50Ms.toFixed(1)}/${l.hitmapByService.p95Ms.toFixed(1)} ms, trace by id ${l.traceById.p50Ms.toFixed(1)}/${l.traceById.p95Ms.toFixed(1)} ms; parts ${JSON.stringify(l.activeParts)}`,
      );
    // Right after the bulk load, background merges of the fresh parts compete for the same cores.
    const latencyLoaded = await phase('query latency right after the load (merges running)', async () => {
      const l = await measureLatencies({ ...latencyOptions, transactionRuns: 0 });
      logLatency(l);
      return l;
    });

    const storage = await phase('storage of all rows (OPTIMIZE FINAL)', async () => {
      const s = await measureStorage(store);
      log(
        `  ${fmt(s.spansRows)} rows: ${fmt(s.bytesPerSpan, 1)} B/span (spans), ${fmt(s.bytesPerSpanWithViews, 1)} B/span with views, OPTIMIZE took ${(s.optimizeMs / 1000).toFixed(1)} s`,
      );
      return s;
    });

    // Settled: parts merged, as a tenant's hour looks when it arrived at 10M spans/hour rather than in two minutes.
    const latency = await phase('query latency, parts merged (TelemetryQueries, in-process)', async () => {
      const l = await measureLatencies({ ...latencyOptions, transactionRuns: params.transactionRuns });
      logLatency(l);
      return l;
    });

    // Log search (bench/src/log-search-latency.ts): BENCH_LOG_ROWS records of another tenant over the day before nowMs.
    const logSearch = await phase('log search (LogSearchQueries, in-process)', () =>
      measureLogSearch({
        store,
        queries: new LogSearchQueries(ch),
        regionId: region.id,
        tenantId: 'bench-logs',
        rows: intEnv('BENCH_LOG_ROWS', 5_000_000),
        nowMs,
        runs: params.latencyRuns,
        log,
      }),
    );
    log(`\n${logSearchTable(logSearch)}`);

    const traceSearch = await phase('trace search latency (TraceSearchQueries, in-process)', () =>
      measureTraceSearch({ queries: new TraceSearchQueries(ch), store, regionId: region.id, tenantId, nowMs, runs: params.latencyRuns, log }),
    );

    // Servers (bench/src/hosts-latency.ts): BENCH_HOSTS hosts × BENCH_HOST_MINUTES minutes of hostmetrics in another tenant.
    const hosts = await phase('servers latency and host rollup cost (HostQueries, in-process)', () =>
      measureHosts({
        store,
        queries: new HostQueries(ch),
        regionId: region.id,
        hosts: intEnv('BENCH_HOSTS', 10_000),
        minutes: intEnv('BENCH_HOST_MINUTES', 60),
        runs: params.latencyRuns,
        nowMs,
        log,
      }),
    );
    log(`\n${renderTable(hostsTable(hosts))}`);

    // The same windows through the HTTP route: the engine is handed over to a server process.
    await ch.close();
    const api = await phase('hitmap through the HTTP API (server process, same data)', async () => {
      const s1 = await startMeridian({ dataDir, env: serverEnv, timeoutMs: 120_000 });
      server = s1;
      const result = await measureApiHitmap({ server: s1, tenant: cfg.demo.tenantSlug, nowMs, runs: params.apiLatencyRuns });
      const code = await s1.stop();
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${s1.output().slice(-3000)}`);
      log(
        `  GET …/hitmap 1 h p50/p95 ${result.hitmap1h.p50Ms.toFixed(1)}/${result.hitmap1h.p95Ms.toFixed(1)} ms (${fmt(result.hitmap1h.responseBytes / 1024)} KiB), 10 min ${result.hitmap10m.p50Ms.toFixed(1)}/${result.hitmap10m.p95Ms.toFixed(1)} ms (${fmt(result.hitmap10m.responseBytes / 1024)} KiB)`,
      );
      return result;
    });

    const noisy = await phase(
      `noisy neighbour: one tenant at 2× its ${fmt(params.noisyLimit)} spans/s limit, another at ${params.noisyVictimRps} spans/s`,
      () =>
        runNoisyNeighbourPhase({
          spansPerSecond: params.noisyLimit,
          seconds: params.noisySeconds,
          quietSeconds: params.noisyQuietSeconds,
          victimRequestsPerSecond: params.noisyVictimRps,
          env: { ...serverEnv, MERIDIAN_INTAKE_BYTES_PER_SECOND: String(defaultConfig().intake.limits.bytesPerSecond) },
          seed: params.seed,
          log,
        }),
    );

    // CPU others used on this machine meanwhile (cores): in the ingest window beside server and client, and per later phase beside the bench.
    const otherLoad: Record<string, number> = {
      'ingest window': Math.max(0, ingest.machine.busyCores - serverCpu.processCores - ingest.clientCpuSeconds / serverCpu.wallSeconds),
    };
    // Phases with server processes of their own (Kafka, HTTP API) are left out: their load is the bench's.
    for (const [name, p] of Object.entries(phases))
      if (!/^(ingest|Kafka|hitmap through|noisy neighbour|WAL)/.test(name)) otherLoad[name] = Math.max(0, p.machineBusyCores - p.benchCores);
    const maxOtherLoad = Math.max(0, ...Object.values(otherLoad));

    const headline = {
      ingest_spans_per_sec: ingest.spansPerSec,
      ingest_ratio_to_raw: ingest.spansPerSec / raw.rawSpansPerSec,
      hitmap_p95_ms: latency.hitmap.p95Ms,
      bytes_per_span: storage.bytesPerSpan,
      server_rss_peak_mib: ingest.peakRssBytes.server / 2 ** 20,
    };
    const kt = kafka.throughput;
    const kl = kafka.lag;
    const report: BenchReport = {
      timestamp: new Date().toISOString(),
      node_version: process.version,
      clickhouse_version: clickhouseVersion,
      cores: cpus().length,
      cpu_model: cpus()[0]?.model ?? '',
      ...headline,
      raw_spans_per_sec: raw.rawSpansPerSec,
      kafka_spans_per_sec: kt.spansPerSec,
      kafka_lag_rate_spans_per_sec: kl.sentSpansPerSec,
      kafka_lag_p95_messages: kl.lagMessages.p95,
      kafka_lag_max_messages: kl.lagMessages.max,
      kafka_lag_p95_spans_unstored: kl.behindSpans.p95,
      wal_on_spans_per_sec: wal.on.spansPerSec,
      wal_off_spans_per_sec: wal.off.spansPerSec,
      wal_on_to_off_ratio: wal.storedRatio,
      noisy_victim_p50_ms: noisy.victimDuringFlood.p50Ms,
      noisy_victim_p99_ms: noisy.victimDuringFlood.p99Ms,
      noisy_flooder_429_share: noisy.flooder429Share,
      hitmap_p50_ms: latency.hitmap.p50Ms,
      hitmap_10m_p50_ms: latency.hitmap10m.p50Ms,
      hitmap_10m_p95_ms: latency.hitmap10m.p95Ms,
      api_hitmap_1h_p50_ms: api.hitmap1h.p50Ms,
      api_hitmap_1h_p95_ms: api.hitmap1h.p95Ms,
      api_hitmap_10m_p50_ms: api.hitmap10m.p50Ms,
      api_hitmap_10m_p95_ms: api.hitmap10m.p95Ms,
      hitmap_service_p50_ms: latency.hitmapByService.p50Ms,
      hitmap_service_p95_ms: latency.hitmapByService.p95Ms,
      trace_by_id_p50_ms: latency.traceById.p50Ms,
      trace_by_id_p95_ms: latency.traceById.p95Ms,
      bytes_per_span_with_views: storage.bytesPerSpanWithViews,
      bytes_per_span_sdk_rows: storageSdk.bytesPerSpan,
      spans_stored: storage.spansRows,
      runtime_s: (performance.now() - started) / 1000,
      machine_other_load_cores_max: maxOtherLoad,
      targets: targetsOf(headline),
      params: {
        ...params,
        region: region.id,
        roles: 'all',
        bus: `inline with its write-ahead log on, fsync always (ingest phase; the WAL phase also runs it off); kafka: ${kafka.runs.map((r) => (r.kind === 'apache' ? `Apache Kafka ${r.brokers} brokers RF ${r.replicationFactor}` : 'librdkafka mock broker')).join(' and ')} (BENCH_KAFKA), intake + ingester,api processes, PostgreSQL control plane (Kafka phase)`,
        latency_windows_end: new Date(nowMs).toISOString(),
        payload_services: payloads.services,
        tenant_spans_for_latency: tenantSpans,
        note: 'server env: MERIDIAN_DEMO=0 plus the MERIDIAN_* values above (server defaults unless overridden in the environment)',
      },
      details: {
        payloads: {
          spans: payloads.spans,
          traces: payloads.traces,
          errorTraces: payloads.errorTraces,
          protobufBytesPerSpan: payloads.bytes / payloads.spans,
          generateSpansPerSec: payloads.spans / (payloads.generateMs / 1000),
        },
        ingest,
        kafka,
        api_latency: api,
        noisy_neighbour: noisy,
        wal,
        raw,
        volume,
        latency,
        latency_right_after_load: latencyLoaded,
        trace_search: traceSearch,
        hosts,
        storage_sdk_rows: storageSdk,
        storage_all_rows: storage,
        phases,
        machine_other_load_cores: otherLoad,
      },
    };
    writeReport(RESULT_FILE, report);

    const ms = (n: number) => `${n.toFixed(1)} ms`;
    const rows: TableRow[] = [
      {
        figure: 'ingest, SDK payloads → stored (spans/s)',
        value: fmt(report.ingest_spans_per_sec),
        target: 'ingest_spans_per_sec',
        checked: report.ingest_spans_per_sec,
      },
      { figure: '  acknowledged by intake (spans/s)', value: fmt(ingest.ackedSpansPerSec) },
      { figure: '  503 retries / requests', value: `${ingest.retries503} / ${ingest.requests}` },
      {
        figure: '  server RSS at full rate, peak (MiB)',
        value: fmt(report.server_rss_peak_mib),
        target: 'server_rss_peak_mib',
        checked: report.server_rss_peak_mib,
      },
      { figure: `WAL on (default) / off, ${fmt(wal.spans)} spans → stored (spans/s)`, value: `${fmt(wal.on.spansPerSec)} / ${fmt(wal.off.spansPerSec)}` },
      {
        figure: '  acknowledged (spans/s); request p95 on / off',
        value: `${fmt(wal.on.ackedSpansPerSec)} / ${fmt(wal.off.ackedSpansPerSec)}; ${ms(wal.on.requestLatencyMs.p95)} / ${ms(wal.off.requestLatencyMs.p95)}`,
      },
      ...(wal.on.fsyncs ? [{ figure: '  fsyncs (group commits) / mean fsync', value: `${fmt(wal.on.fsyncs)} / ${ms(wal.on.fsyncMeanMs ?? 0)}` }] : []),
      { figure: 'Kafka path, SDK payloads → intake → broker → ingester → stored (spans/s)', value: fmt(report.kafka_spans_per_sec) },
      {
        figure: `  consumer lag at ${fmt(kl.sentSpansPerSec)} spans/s for ${kl.seconds} s: p95 / max (messages)`,
        value: `${fmt(kl.lagMessages.p95)} / ${fmt(kl.lagMessages.max)}`,
      },
      { figure: `  acknowledged, not yet stored: p95 / max (spans)`, value: `${fmt(kl.behindSpans.p95)} / ${fmt(kl.behindSpans.max)}` },
      { figure: 'raw RowWriter insert, same rows (spans/s)', value: fmt(raw.rawSpansPerSec) },
      ...(raw.withoutViews
        ? [
            {
              figure: `  first ${raw.withoutViews.batches} inserts: with / without views`,
              value: `${fmt(raw.withoutViews.withViewsSpansPerSec)} / ${fmt(raw.withoutViews.withoutViewsSpansPerSec)}`,
            },
            {
              figure: 'ingest / physical limit (same Native rows into spans without views)',
              value: fmt(ingest.spansPerSec / raw.withoutViews.withoutViewsSpansPerSec, 2),
            },
          ]
        : []),
      { figure: 'ingest / raw insert', value: fmt(report.ingest_ratio_to_raw, 2), target: 'ingest_ratio_to_raw', checked: report.ingest_ratio_to_raw },
      { figure: 'intake CPU, 1 core: decode+rows+Native (spans/s)', value: fmt(raw.intakePipelineSpansPerSec) },
      {
        figure: '  decode / build rows / serialize Native (spans/s)',
        value: `${fmt(raw.decodeSpansPerSec)} / ${fmt(raw.buildRowsSpansPerSec)} / ${fmt(raw.serializeSpansPerSec)}`,
      },
      { figure: '  serialize JSONCompactEachRow, as before (spans/s)', value: fmt(raw.jsonSerializeSpansPerSec) },
      { figure: 'bus/insert body (B/span): Native / JSON before', value: `${fmt(raw.bodyBytesPerSpan)} / ${fmt(raw.jsonBodyBytesPerSpan)}` },
      {
        figure: `hitmap 1 h, ${fmt(tenantSpans / 1e6, 1)}M spans: p50 / p95`,
        value: `${ms(report.hitmap_p50_ms)} / ${ms(report.hitmap_p95_ms)}`,
        target: 'hitmap_p95_ms',
        checked: report.hitmap_p95_ms,
      },
      { figure: '  first run', value: ms(latency.hitmap.firstMs) },
      { figure: '  right after load, merges running', value: `${ms(latencyLoaded.hitmap.p50Ms)} / ${ms(latencyLoaded.hitmap.p95Ms)}` },
      { figure: '  HTTP API route: p50 / p95', value: `${ms(report.api_hitmap_1h_p50_ms)} / ${ms(report.api_hitmap_1h_p95_ms)}` },
      { figure: 'hitmap 10 min: p50 / p95', value: `${ms(report.hitmap_10m_p50_ms)} / ${ms(report.hitmap_10m_p95_ms)}` },
      { figure: '  right after load, merges running', value: `${ms(latencyLoaded.hitmap10m.p50Ms)} / ${ms(latencyLoaded.hitmap10m.p95Ms)}` },
      { figure: '  HTTP API route: p50 / p95', value: `${ms(report.api_hitmap_10m_p50_ms)} / ${ms(report.api_hitmap_10m_p95_ms)}` },
      { figure: 'hitmap 1 h, one service: p50 / p95', value: `${ms(report.hitmap_service_p50_ms)} / ${ms(report.hitmap_service_p95_ms)}` },
      { figure: '  right after load, merges running', value: `${ms(latencyLoaded.hitmapByService.p50Ms)} / ${ms(latencyLoaded.hitmapByService.p95Ms)}` },
      { figure: 'trace by id: p50 / p95', value: `${ms(report.trace_by_id_p50_ms)} / ${ms(report.trace_by_id_p95_ms)}` },
      { figure: '  first run', value: ms(latency.traceById.firstMs) },
      { figure: '  right after load, merges running', value: `${ms(latencyLoaded.traceById.p50Ms)} / ${ms(latencyLoaded.traceById.p95Ms)}` },
      ...(latency.transactions
        ? [{ figure: 'transactions ≥ 1 s, 10 min: p50 / p95', value: `${ms(latency.transactions.p50Ms)} / ${ms(latency.transactions.p95Ms)}` }]
        : []),
      { figure: 'bytes/span, spans table (all rows)', value: fmt(report.bytes_per_span, 1), target: 'bytes_per_span', checked: report.bytes_per_span },
      { figure: '  SDK-ingested rows only', value: fmt(report.bytes_per_span_sdk_rows, 1) },
      { figure: '  incl. view tables', value: fmt(report.bytes_per_span_with_views, 1) },
      { figure: '  on disk (marks, indexes…)', value: fmt(storage.diskBytesPerSpan, 1) },
      { figure: 'spans stored', value: fmt(report.spans_stored) },
      { figure: 'volume load, INSERT … SELECT (rows/s)', value: fmt(volume.rowsPerSec) },
      {
        figure: `noisy neighbour: victim send→readable p50 / p99, flooder at 2× ${fmt(params.noisyLimit)} spans/s`,
        value: `${ms(noisy.victimDuringFlood.p50Ms)} / ${ms(noisy.victimDuringFlood.p99Ms)}`,
      },
      { figure: '  victim alone: p50 / p99', value: `${ms(noisy.victimQuiet.p50Ms)} / ${ms(noisy.victimQuiet.p99Ms)}` },
      { figure: '  flooder: 429 share / accepted (spans/s)', value: `${fmt(noisy.flooder429Share * 100, 1)} % / ${fmt(noisy.acceptedSpansPerSec)}` },
      { figure: 'cores / runtime', value: `${report.cores} / ${fmt(report.runtime_s)} s` },
    ];
    log(`\n${renderTable(rows)}\n${traceSearchTable(traceSearch)}`);
    const perSpan = (cpuSeconds: number) => `${fmt((cpuSeconds * 1e6) / payloads.spans, 1)} µs/span`;
    log(
      `\nCPU per span: server end to end ${perSpan(serverCpu.processCpuSeconds)}; intake decode+rows+encode ${fmt(1e6 / raw.intakePipelineSpansPerSec, 1)} µs/span (one core); ClickHouse insert (RowWriter) ${perSpan(raw.insertCpu.processCpuSeconds)}`,
    );
    log(
      `server CPU during ingest: ${fmt(serverCpu.processCores, 2)} cores of ${report.cores} (machine busy ${fmt(ingest.machine.busyCores, 2)}, bench client ${fmt(ingest.clientCpuSeconds, 1)} s CPU):`,
    );
    for (const t of serverCpu.byThread.slice(0, 6))
      log(`  ${t.name.padEnd(22)} ${fmt(t.cpuSeconds, 1).padStart(6)} s CPU  ${fmt(t.cores, 2)} cores  (${t.threads} threads)`);
    const kc = kt.processCpu;
    log(
      `Kafka path CPU while storing at full rate: intake ${fmt(kc.intake.processCores, 2)} cores (${perSpan(kc.intake.processCpuSeconds)}), ingester ${fmt(kc.ingester.processCores, 2)} cores (${perSpan(kc.ingester.processCpuSeconds)}), machine busy ${fmt(kt.machine.busyCores, 2)}`,
    );
    if (maxOtherLoad > 0.25) {
      const worst = Object.entries(otherLoad).sort((a, b) => b[1] - a[1])[0];
      log(`\nnote: other processes kept up to ${fmt(maxOtherLoad, 2)} of ${report.cores} cores busy (${worst[0]}): figures are lower than on an idle machine`);
    }
    log(`\nwrote ${RESULT_FILE}`);
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench failed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
