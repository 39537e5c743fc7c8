import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ApacheKafkaCluster, apacheKafkaMissing, TEST_KAFKA_VERSION } from './apache-kafka';

const REPO = resolve(__dirname, '../../..');

export interface KafkaBrokerOptions {
  /** Brokers in the cluster (ids 1..N). */
  brokers?: number;
  /**
   * Topics to create, name → partitions (replication factor min(3, N), min.insync.replicas
   * min(2, N), as the README recommends). Unknown topics are auto-created (4 partitions) unless
   * `autoCreateTopics` is false.
   */
  topics?: Record<string, number>;
  /** Fixed listener ports, one per broker (default: free ports picked now, so restarts keep them). */
  ports?: number[];
  /** Apache Kafka only (the mock always auto-creates). Default true. */
  autoCreateTopics?: boolean;
  /**
   * `apache` (default; Kafka 4.x from its jars) or `mock` (librdkafka's mock cluster). Also
   * MERIDIAN_TEST_KAFKA=apache|mock. Without Java/Maven `apache` falls back to the mock with a
   * warning, except with CI=true, where it throws.
   */
  kind?: KafkaKind;
  /** JVM heap per Apache Kafka node (default 384m). */
  heap?: string;
}

export type KafkaKind = 'apache' | 'mock';

export interface KafkaBroker {
  /** Which broker runs: Apache Kafka or librdkafka's mock. */
  kind: KafkaKind;
  /** `host:port` of every broker (same after restarts). */
  brokers: string[];
  /** Comma-separated, as MERIDIAN_KAFKA_BROKERS takes it. */
  bootstrap: string;
  createTopic(name: string, partitions: number): Promise<void>;
  /** SIGKILL of every broker. The mock loses everything; Apache Kafka keeps its logs on disk. */
  kill(): Promise<void>;
  /** SIGTERM and wait for every process to exit. */
  stop(): Promise<void>;
  /** Starts every broker again on the same ports (the mock: empty, with the same topics; Apache Kafka: with its data). */
  restart(): Promise<void>;
  /** SIGKILL of broker i (0-based). Apache Kafka only. */
  killNode(i: number): Promise<void>;
  /** Starts broker i again (its data kept) and waits until the cluster lists it. Apache Kafka only. */
  restartNode(i: number): Promise<void>;
  /** SIGSTOP / SIGCONT of broker i: it stops answering without closing its connections. Apache Kafka only. */
  pauseNode(i: number): void;
  resumeNode(i: number): void;
  /** Answers the next `count` requests of a Kafka API (by key, e.g. 12 Heartbeat) with error `code`, whoever sends them. Mock only. */
  failRequests(apiKey: number, code: number, count: number): Promise<void>;
  output(): string;
}

/**
 * Starts a Kafka cluster for tests: Apache Kafka 4.x in KRaft mode (apache-kafka.ts; jars
 * resolved by scripts/kafka/ensure-kafka.sh on first use), or librdkafka's mock cluster where
 * Java or Maven is missing (never silently on CI) or when asked for.
 */
export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const wanted = opts.kind ?? (process.env.MERIDIAN_TEST_KAFKA as KafkaKind | undefined) ?? 'apache';
  if (wanted !== 'apache' && wanted !== 'mock') throw new Error(`MERIDIAN_TEST_KAFKA must be "apache" or "mock", not "${String(wanted)}"`);
  if (wanted === 'mock') return startMockBroker(opts);
  const missing = apacheKafkaMissing();
  if (!missing) return startApacheKafka(opts);
  if (process.env.CI === 'true') {
    throw new Error(
      `Apache Kafka ${TEST_KAFKA_VERSION} cannot run for the tests: ${missing}. Install Java >= 17 and Maven (apt-get install openjdk-17-jre-headless maven); CI does not fall back to the mock broker.`,
    );
  }
  process.stderr.write(
    `\n!!!!! [kafka] Apache Kafka cannot run here: ${missing}.\n!!!!! [kafka] FALLING BACK to librdkafka's mock cluster: no replication, no idempotent producer, no admin API.\n\n`,
  );
  return startMockBroker(opts);
}

async function startApacheKafka(opts: KafkaBrokerOptions): Promise<KafkaBroker> {
  const count = opts.brokers ?? 1;
  const ports = opts.ports ?? (await freePorts(count));
  const controllerPorts = await freePorts(count);
  const cluster = new ApacheKafkaCluster({ nodes: count, ports, controllerPorts, autoCreateTopics: opts.autoCreateTopics ?? true, heap: opts.heap ?? '384m' });
  const all = Array.from({ length: count }, (_, i) => i);
  const ids = all.map((i) => i + 1);
  const startAll = async () => {
    await Promise.all(all.map((i) => cluster.startNode(i)));
    await cluster.waitForBrokers(ids);
  };
  const brokers = cluster.brokers;
  const rf = Math.min(3, count);
  const createTopics = async (topics: Record<string, number>) => {
    if (Object.keys(topics).length === 0) return;
    const admin = new Kafka({ clientId: 'meridian-test-kafka', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: false, // kafkajs' wait gives up when a broker does not know the topic yet
        topics: Object.entries(topics).map(([topic, numPartitions]) => ({
          topic,
          numPartitions,
          replicationFactor: rf,
          configEntries: [{ name: 'min.insync.replicas', value: String(Math.min(2, count)) }],
        })),
      });
      // Ready when every partition has a leader and a full ISR, seen three times in a row (the
      // metadata requests go to different brokers, and each learns of the topic on its own).
      const names = Object.keys(topics);
      const deadline = Date.now() + 30_000;
      for (let ok = 0; ok < 3;) {
        const meta = await admin.fetchTopicMetadata({ topics: names }).catch(() => undefined);
        const ready = meta?.topics.every((t) => t.partitions.length === topics[t.name] && t.partitions.every((p) => p.leader >= 0 && p.isr.length === rf));
        ok = ready ? ok + 1 : 0;
        if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders after 30 s:\n${cluster.output().slice(-3000)}`);
        await sleep(ready ? 50 : 200);
      }
    } finally {
      await admin.disconnect();
    }
  };
  try {
    await cluster.format();
    await startAll();
    await createTopics(opts.topics ?? {});
  } catch (e) {
    await Promise.all(all.map((i) => cluster.stopNode(i, 'SIGKILL')));
    cluster.remove();
    throw e;
  }
  return {
    kind: 'apache',
    brokers,
    bootstrap: brokers.join(','),
    createTopic: (name, partitions) => createTopics({ [name]: partitions }),
    kill: async () => void (await Promise.all(all.map((i) => cluster.stopNode(i, 'SIGKILL')))),
    async stop() {
      await Promise.all(all.map((i) => cluster.stopNode(i, 'SIGTERM', 5_000)));
      cluster.remove();
    },
    async restart() {
      await Promise.all(all.map((i) => cluster.stopNode(i, 'SIGKILL')));
      await startAll();
    },
    killNode: (i) => cluster.stopNode(i, 'SIGKILL'),
    async restartNode(i) {
      await cluster.stopNode(i, 'SIGKILL');
      await cluster.startNode(i);
      await cluster.waitForBrokers(ids.filter((_, j) => j === i || cluster.running(j)));
    },
    pauseNode: (i) => cluster.signal(i, 'SIGSTOP'),
    resumeNode: (i) => cluster.signal(i, 'SIGCONT'),
    failRequests: () => Promise.reject(new Error('failRequests needs the mock broker (startKafkaBroker kind "mock")')),
    output: () => cluster.output(),
  };
}

/**
 * Builds (once, cached by source hash) and starts librdkafka's mock cluster
 * (scripts/kafka-mock/kafka-mock.c). Installs Debian's librdkafka-dev on first use. Everything
 * lives in memory: kill() or stop() loses all data. The fallback where Apache Kafka cannot run.
 */
async function startMockBroker(opts: KafkaBrokerOptions): Promise<KafkaBroker> {
  const count = opts.brokers ?? 1;
  const bin = execFileSync(process.execPath, [join(REPO, 'scripts/kafka-mock/ensure.js')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const ports = opts.ports ?? (await freePorts(count));
  const topics = new Map(Object.entries(opts.topics ?? {}));
  let child: ChildProcessWithoutNullStreams | undefined;
  let out = '';

  const launch = async () => {
    const args = ['--brokers', String(count), '--ports', ports.join(','), ...[...topics].flatMap(([t, n]) => ['--topic', `${t}:${n}`])];
    const from = out.length;
    const c = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    while (!/BOOTSTRAP [^\n]*\nREADY/.test(out.slice(from))) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`kafka-mock exited before it was ready:\n${out}`);
      if (Date.now() > deadline) throw new Error(`kafka-mock did not start in time:\n${out}`);
      await sleep(20);
    }
  };

  const command = async (line: string, expect: RegExp) => {
    if (!child) throw new Error('kafka-mock is not running');
    const from = out.length;
    child.stdin.write(line + '\n');
    const deadline = Date.now() + 5_000;
    for (;;) {
      const reply = out.slice(from);
      if (expect.test(reply)) return;
      if (/ERR/.test(reply) || Date.now() > deadline) throw new Error(`kafka-mock "${line}" failed: ${reply}`);
      await sleep(10);
    }
  };

  const exit = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    await exited;
  };

  await launch();
  const brokers = ports.map((p) => `127.0.0.1:${p}`);
  const apacheOnly = (what: string) => () => {
    throw new Error(`${what} needs Apache Kafka; the mock broker runs (startKafkaBroker kind "mock")`);
  };
  return {
    kind: 'mock',
    brokers,
    bootstrap: brokers.join(','),
    async createTopic(name, partitions) {
      topics.set(name, partitions);
      await command(`topic ${name} ${partitions}`, new RegExp(`OK topic ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    },
    kill: () => exit('SIGKILL'),
    stop: () => exit('SIGTERM'),
    async restart() {
      await exit('SIGKILL');
      for (let attempt = 0; ; attempt++) {
        try {
          return await launch();
        } catch (e) {
          if (attempt >= 20) throw e; // ports may take a moment to be free again
          await sleep(250);
        }
      }
    },
    killNode: apacheOnly('killNode'),
    restartNode: apacheOnly('restartNode'),
    pauseNode: apacheOnly('pauseNode'),
    resumeNode: apacheOnly('resumeNode'),
    failRequests: (apiKey, code, count) => command(`error ${apiKey} ${code} ${count}`, new RegExp(`OK error ${apiKey} ${code} ${count}`)),
    output: () => out,
  };
}

/** Free TCP ports on 127.0.0.1 (bound and released, then given to the broker). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
