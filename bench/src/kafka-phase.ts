/**
 * The Kafka path, as deployed in distributed mode: OTLP/HTTP → intake process
 * (MERIDIAN_BUS=kafka) → Kafka → ingester process (`--roles=ingester,api`, embedded ClickHouse)
 * → stored. Control plane: a fresh database on the local PostgreSQL server, dropped afterwards.
 * The broker is Apache Kafka (3 nodes, KRaft, replication factor 3, min.insync.replicas 2, the
 * idempotent producer on, as the README recommends) and/or librdkafka's mock (1 broker, in
 * memory, no replication): BENCH_KAFKA=apache|mock|both (default apache).
 *
 *  1. throughput: every payload sent by C clients; clock from the first send until the
 *     ingester's usage route reports every span stored (as the inline ingest phase).
 *  2. lag: the payloads sent again (cycling) at half that rate for a fixed time; every second
 *     the ingester's `/metrics` is scraped for `meridian_bus_consumer_lag` (messages between the
 *     partition's high watermark and the committed offset, summed over the spans topic's
 *     partitions), and the usage route gives spans acknowledged but not yet stored.
 *
 * Run alone: `BENCH_KAFKA=both node scripts/run-ts.js bench/src/kafka-phase.ts` (BENCH_PAYLOADS,
 * BENCH_SPANS_PER_PAYLOAD, BENCH_KAFKA_LAG_SECONDS size it).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, freshPostgresDatabase, type KafkaBroker, type KafkaKind, type MeridianProcess, startKafkaBroker, startMeridian } from '@meridian/testing';
import { type IngestPhaseResult, percentile, runIngestPhase, sendPayloads, sleep, storedSpans } from './ingest-phase';

export interface KafkaPhaseOptions {
  /** Data dirs of the two processes are made under this. */
  dataDir: string;
  postgresUrl: string;
  regionIds: readonly string[];
  regionId: string;
  /** Partitions of each region's spans topic. */
  spanPartitions: number;
  bodies: readonly Buffer[];
  spanCounts: readonly number[];
  spans: number;
  /**
   * Other spans for the paced step: bus message ids come from the request bytes, so bodies the
   * throughput step already sent would be dropped by the consumer as copies.
   */
  paced: { bodies: readonly Buffer[]; spanCounts: readonly number[] };
  concurrency: number;
  /** Server env for both processes (batching settings). */
  env: Record<string, string>;
  /** Node flags of both processes (e.g. --cpu-prof: NODE_OPTIONS refuses most of them). */
  nodeArgs?: readonly string[];
  /** How long to sustain half the measured rate. */
  lagSeconds: number;
  log: (line: string) => void;
}

export interface LagSample {
  /** Seconds since the paced sending began. */
  t: number;
  /** meridian_bus_consumer_lag summed over the spans topic's partitions (messages). */
  lagMessages: number;
  /** Spans acknowledged by intake and not yet reported stored by the ingester. */
  behindSpans: number;
}

export interface KafkaLagResult {
  targetSpansPerSec: number;
  /** Spans acknowledged / sending time: did the clients keep the target rate? */
  sentSpansPerSec: number;
  seconds: number;
  retries503: number;
  lagMessages: { p50: number; p95: number; max: number; mean: number };
  behindSpans: { p50: number; p95: number; max: number };
  /** Spans per published message (the intake splits a payload by partition key). */
  spansPerMessage: number;
  /** After the last send, until every span was stored. */
  drainMs: number;
  samples: LagSample[];
}

export interface KafkaPhaseRun {
  kind: KafkaKind;
  brokers: number;
  replicationFactor: number;
  spanPartitions: number;
  throughput: IngestPhaseResult;
  /** ClickHouse inserts into spans during the throughput step (the ingester batches per partition). */
  spanInserts: number;
  lag: KafkaLagResult;
}

/** Sum of one metric's samples in a Prometheus text exposition whose labels match every filter. */
export function sumSeries(text: string, metric: string, labels: Record<string, string>): { sum: number; series: number } {
  let sum = 0;
  let series = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const m = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const have = new Map([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) {
      sum += Number(m[2]);
      series++;
    }
  }
  return { sum, series };
}

/** The Apache Kafka JVMs this process started (`kafka-1`…), so the phase reports the brokers' CPU too. */
function brokerPids(): Record<string, number> {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [comm, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
      if (comm === 'java' && Number(rest[1]) === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka'))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return Object.fromEntries(pids.sort((a, b) => a - b).map((pid, i) => [`kafka-${i + 1}`, pid]));
}

/** The first run's figures (apache when it ran) at the top, every run under `runs`. */
export interface KafkaPhaseResult extends KafkaPhaseRun {
  runs: KafkaPhaseRun[];
}

/** BENCH_KAFKA: `apache` (default), `mock` or `both`. */
export function benchKafkaKinds(value = process.env.BENCH_KAFKA ?? 'apache'): KafkaKind[] {
  if (value === 'both') return ['apache', 'mock'];
  if (value === 'apache' || value === 'mock') return [value];
  throw new Error(`BENCH_KAFKA must be apache, mock or both, not "${value}"`);
}

export async function runKafkaPhase(opts: KafkaPhaseOptions & { kinds?: KafkaKind[] }): Promise<KafkaPhaseResult> {
  const runs: KafkaPhaseRun[] = [];
  for (const kind of opts.kinds ?? benchKafkaKinds()) runs.push(await runKafkaPhaseOn(kind, opts));
  return { ...runs[0], runs };
}

async function runKafkaPhaseOn(wanted: KafkaKind, opts: KafkaPhaseOptions): Promise<KafkaPhaseRun> {
  // Apache Kafka as recommended for production (3 brokers, RF 3); the mock as one in-memory broker.
  const brokers = wanted === 'apache' ? 3 : 1;
  const topics: Record<string, number> = {};
  for (const r of opts.regionIds) {
    Object.assign(topics, {
      [`meridian.${r}.spans`]: opts.spanPartitions,
      [`meridian.${r}.metric-points`]: 2,
      [`meridian.${r}.logs`]: 2,
      [`meridian.${r}.dead-letter`]: 1,
    });
  }
  const spansTopic = `meridian.${opts.regionId}.spans`;
  let broker: KafkaBroker | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let intake: MeridianProcess | undefined;
  let ingester: MeridianProcess | undefined;
  try {
    const t0 = performance.now();
    broker = await startKafkaBroker({ brokers, topics, kind: wanted });
    opts.log(
      `  ${broker.kind === 'apache' ? `Apache Kafka, ${brokers} brokers (RF ${Math.min(3, brokers)}, min.insync.replicas ${Math.min(2, brokers)})` : 'librdkafka mock, 1 broker'} started in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    db = await freshPostgresDatabase(opts.postgresUrl, 'meridian_bench');
    const env = { ...opts.env, MERIDIAN_BUS: 'kafka', MERIDIAN_KAFKA_BROKERS: broker.bootstrap, DATABASE_URL: db.url };
    const dir = (name: string) => {
      const d = join(opts.dataDir, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    // intake first: it runs the control-plane migrations and creates the demo tenant.
    const { nodeArgs } = opts;
    intake = await startMeridian({ roles: 'intake', env, dataDir: dir('kafka-intake'), timeoutMs: 120_000, nodeArgs });
    ingester = await startMeridian({ roles: 'ingester,api', env, dataDir: dir('kafka-ingester'), timeoutMs: 120_000, nodeArgs });
    const reader = new ApiClient(ingester.ports.api, intake.apiKey);
    opts.log(
      `  ${broker.kind} broker (${brokers}, ${opts.spanPartitions} span partitions), intake pid ${intake.child.pid}, ingester pid ${ingester.child.pid}`,
    );

    const throughput = await runIngestPhase({
      intake,
      reader,
      processes: { intake: intake.child.pid, ingester: ingester.child.pid, ...brokerPids() },
      bodies: opts.bodies,
      spans: opts.spans,
      concurrency: opts.concurrency,
      timeoutMs: 600_000,
      log: opts.log,
    });
    const ingesterMetrics = await (await fetch(`http://127.0.0.1:${ingester.ports.api}/metrics`)).text();
    const inserts = sumSeries(ingesterMetrics, 'meridian_ingester_batch_rows_count', { table: 'spans' }).sum;
    opts.log(
      `  ${throughput.spansPerSec.toFixed(0)} spans/s stored through Kafka (${throughput.ackedSpansPerSec.toFixed(0)} spans/s acknowledged), ${throughput.retries503} retries after 503; ${inserts} span inserts (${(opts.spans / Math.max(1, inserts)).toFixed(0)} rows each)`,
    );

    const lag = await sustainHalfRate({ ...opts, intake, ingester, reader, spansTopic, rate: throughput.spansPerSec / 2, stored0: opts.spans });
    opts.log(
      `  at ${lag.targetSpansPerSec.toFixed(0)} spans/s (sent ${lag.sentSpansPerSec.toFixed(0)}/s) for ${lag.seconds} s: consumer lag p50/p95/max ${lag.lagMessages.p50}/${lag.lagMessages.p95}/${lag.lagMessages.max} messages (~${lag.spansPerMessage.toFixed(0)} spans each); acknowledged-not-stored p95/max ${lag.behindSpans.p95}/${lag.behindSpans.max} spans; drained ${(lag.drainMs / 1000).toFixed(1)} s after the last send`,
    );
    for (const [name, p] of [
      ['intake', intake],
      ['ingester', ingester],
    ] as const) {
      const code = await p.stop();
      if (code !== 0) throw new Error(`${name} exited with ${code} on SIGTERM:\n${p.output().slice(-3000)}`);
    }
    return {
      kind: broker.kind,
      brokers,
      replicationFactor: broker.kind === 'apache' ? Math.min(3, brokers) : 1,
      spanPartitions: opts.spanPartitions,
      throughput,
      spanInserts: inserts,
      lag,
    };
  } finally {
    for (const p of [intake, ingester]) if (p && p.child.exitCode === null && p.child.signalCode === null) await p.kill();
    await broker?.stop();
    await db?.drop();
  }
}

interface SustainOptions extends KafkaPhaseOptions {
  intake: MeridianProcess;
  ingester: MeridianProcess;
  reader: ApiClient;
  spansTopic: string;
  rate: number;
  /** Spans stored before this step. */
  stored0: number;
}

async function sustainHalfRate(o: SustainOptions): Promise<KafkaLagResult> {
  const bodies = o.paced.bodies;
  const spansOf = new Map(bodies.map((b, i) => [b, o.paced.spanCounts[i]]));
  const metrics = async () => (await fetch(`http://127.0.0.1:${o.ingester.ports.api}/metrics`)).text();
  const published = async () =>
    sumSeries(await (await fetch(`http://127.0.0.1:${o.intake.ports.api}/metrics`)).text(), 'meridian_bus_published_messages_total', { topic: o.spansTopic })
      .sum;
  const published0 = await published();

  let i = 0;
  let scheduled = 0;
  let acked = 0;
  const endMs = o.lagSeconds * 1000;
  const t0 = performance.now();
  // Paced by spans: a body goes out once the spans before it fit in rate × elapsed.
  const next = async (): Promise<Buffer | undefined> => {
    // Each body once: a body sent again would be a copy (same message ids), dropped, never stored.
    if (i >= bodies.length) return undefined;
    const body = bodies[i];
    const dueMs = (scheduled / o.rate) * 1000;
    if (dueMs >= endMs) return undefined;
    i++;
    scheduled += spansOf.get(body) ?? 0;
    const wait = dueMs - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    return body;
  };

  const samples: LagSample[] = [];
  let sending = true;
  let samplerError: unknown;
  const sampler = (async () => {
    while (sending) {
      const [text, stored] = await Promise.all([metrics(), storedSpans(o.reader)]);
      const lag = sumSeries(text, 'meridian_bus_consumer_lag', { topic: o.spansTopic });
      if (lag.series === 0) throw new Error(`no meridian_bus_consumer_lag series for ${o.spansTopic} on the ingester's /metrics`);
      samples.push({ t: (performance.now() - t0) / 1000, lagMessages: lag.sum, behindSpans: Math.max(0, o.stored0 + acked - stored) });
      await sleep(1000);
    }
  })().catch((e: unknown) => {
    samplerError = e; // rethrown below; a rejection left unhandled while sending would end the process
  });
  let sent: Awaited<ReturnType<typeof sendPayloads>>;
  try {
    sent = await sendPayloads({ intake: o.intake, concurrency: o.concurrency, next, onAck: (b) => (acked += spansOf.get(b) ?? 0) });
  } finally {
    sending = false;
    await sampler;
  }
  if (samplerError) throw samplerError;
  const sendMs = performance.now() - t0;
  const messages = (await published()) - published0;

  const d0 = performance.now();
  for (;;) {
    const stored = await storedSpans(o.reader);
    if (stored >= o.stored0 + acked) break;
    if (performance.now() - d0 > 300_000) throw new Error(`only ${stored - o.stored0} of ${acked} paced spans stored 300 s after the last send`);
    await sleep(50);
  }
  const drainMs = performance.now() - d0;

  const lags = samples.map((s) => s.lagMessages).sort((a, b) => a - b);
  const behind = samples.map((s) => s.behindSpans).sort((a, b) => a - b);
  return {
    targetSpansPerSec: o.rate,
    sentSpansPerSec: acked / (sendMs / 1000),
    seconds: Math.round(sendMs / 1000),
    retries503: sent.retries503,
    lagMessages: {
      p50: percentile(lags, 50),
      p95: percentile(lags, 95),
      max: lags[lags.length - 1] ?? 0,
      mean: lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length),
    },
    behindSpans: { p50: percentile(behind, 50), p95: percentile(behind, 95), max: behind[behind.length - 1] ?? 0 },
    spansPerMessage: messages > 0 ? acked / messages : 0,
    drainMs,
    samples,
  };
}

// Alone: generate a small payload set and run just this phase (BENCH_KAFKA picks the broker).
if (process.argv[1] === __filename) {
  void (async () => {
    const { generatePayloads } = await import('./payloads');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
    const generate = (seed: number) =>
      generatePayloads({
        payloads: num('BENCH_PAYLOADS', 60),
        spansPerPayload: num('BENCH_SPANS_PER_PAYLOAD', 800),
        seed,
        endTimeMs: Date.now(),
        spreadMs: 10 * 60_000,
      });
    const set = generate(20261121);
    const paced = generate(20261122);
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-kafka-'));
    try {
      const result = await runKafkaPhase({
        dataDir,
        postgresUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        regionIds: ['ap-northeast-1', 'ap-northeast-2'],
        regionId: 'ap-northeast-1',
        spanPartitions: num('BENCH_KAFKA_PARTITIONS', 4),
        bodies: set.bodies,
        spanCounts: set.spanCounts,
        spans: set.spans,
        paced: { bodies: paced.bodies, spanCounts: paced.spanCounts },
        concurrency: num('BENCH_CONCURRENCY', 8),
        // As the full bench: the tenant's ingest limit is not what is measured. MERIDIAN_* variables
        // (e.g. MERIDIAN_KAFKA_COMPRESSION) and BENCH_SERVER_NODE_OPTIONS reach both processes.
        env: {
          MERIDIAN_DEMO: '0',
          MERIDIAN_INTAKE_SPANS_PER_SECOND: '1000000000',
          MERIDIAN_INTAKE_BYTES_PER_SECOND: '1000000000000',
          ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('MERIDIAN_') && e[1] !== undefined)),
          ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
        },
        nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean),
        lagSeconds: num('BENCH_KAFKA_LAG_SECONDS', 15),
        log: (l) => console.log(l),
      });
      for (const r of result.runs) {
        const t = r.throughput;
        console.log(
          `${r.kind} (${r.brokers} brokers, RF ${r.replicationFactor}): ${Math.round(t.spansPerSec)} spans/s stored; lag at ${Math.round(r.lag.sentSpansPerSec)} spans/s p50/p95/max ${r.lag.lagMessages.p50}/${r.lag.lagMessages.p95}/${r.lag.lagMessages.max} messages`,
        );
        // CPU per span of each process (comparable on a shared machine, unlike spans/s).
        for (const [name, cpu] of Object.entries(t.processCpu)) {
          const threads = cpu.byThread.map((x) => `${x.name} ${x.cpuSeconds.toFixed(2)}`).join(', ');
          console.log(`  ${name}: ${cpu.processCpuSeconds.toFixed(2)} s CPU, ${((cpu.processCpuSeconds * 1e6) / t.spans).toFixed(1)} µs/span (${threads})`);
        }
        console.log(`  machine ${t.machine.busyCores.toFixed(2)} cores busy`);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  })().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`kafka phase failed: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
