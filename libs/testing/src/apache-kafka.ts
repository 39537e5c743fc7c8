import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';

const REPO = resolve(__dirname, '../../..');

/** The Apache Kafka release the tests run (a version Maven Central serves; 4.x needs Java >= 17). */
export const TEST_KAFKA_VERSION = process.env.MERIDIAN_TEST_KAFKA_VERSION ?? '4.1.1';

export interface ApacheKafkaOptions {
  nodes: number;
  /** Two loopback ports per node: client listener, then controller listener. */
  ports: number[];
  controllerPorts: number[];
  autoCreateTopics: boolean;
  /** JVM max heap per node (e.g. `384m`). */
  heap: string;
}

/** Why Apache Kafka cannot run here (undefined: it can): Java >= 17 and Maven must be on PATH. */
export function apacheKafkaMissing(): string | undefined {
  let text: string;
  try {
    text = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' });
  } catch {
    return 'java is not on PATH (Apache Kafka 4.x needs Java >= 17)';
  }
  const major = Number(/version "(\d+)/.exec(text)?.[1] ?? 0);
  if (major < 17) return `java is version ${major || 'unknown'} (Apache Kafka 4.x needs Java >= 17)`;
  try {
    execFileSync('sh', ['-c', 'command -v mvn'], { stdio: 'ignore' });
  } catch {
    return 'mvn (Maven) is not on PATH (it resolves the Kafka jars from Maven Central)';
  }
  return undefined;
}

/** The jars' directory, resolved by scripts/kafka/ensure-kafka.sh on first use (cached under node_modules). */
export function ensureKafkaJars(version = TEST_KAFKA_VERSION): string {
  return execFileSync('bash', [join(REPO, 'scripts/kafka/ensure-kafka.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Kafka's UUID text form: 16 random bytes, URL-safe base64 without padding. Like Kafka's own
 * Uuid.randomUuid, draw again when it starts with '-': the storage tool's argument parser takes
 * such a value for an option (CI failed on one in 64 runs).
 */
export function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const LOG4J2 = `Configuration:
  status: warn
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d{HH:mm:ss,SSS}] %p %m (%c{1})%n"
  Loggers:
    Root:
      level: warn
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: info
      - name: kafka.server.BrokerServer
        level: info
`;

/**
 * One KRaft cluster of `nodes` combined broker+controller JVMs on loopback ports, each with its
 * own log dir in a temp directory, settings tuned for tests (fast failure detection, no initial
 * rebalance delay, internal topics replicated min(3, n) times). Data lives on disk: a node that
 * is killed and started again keeps its log, as in production.
 */
export class ApacheKafkaCluster {
  readonly root: string;
  private readonly procs: Array<ChildProcess | undefined>;
  private readonly outputs: string[];
  private readonly classpath: string;
  private readonly clusterId = kafkaUuid();

  constructor(private readonly o: ApacheKafkaOptions) {
    this.classpath = join(ensureKafkaJars(), '*');
    this.root = mkdtempSync(join(tmpdir(), 'meridian-kafka-'));
    writeFileSync(join(this.root, 'log4j2.yaml'), LOG4J2);
    this.procs = Array.from({ length: o.nodes }, () => undefined);
    this.outputs = Array.from({ length: o.nodes }, () => '');
    for (let i = 0; i < o.nodes; i++) {
      mkdirSync(this.logDir(i), { recursive: true });
      writeFileSync(this.configFile(i), this.config(i));
    }
  }

  get brokers(): string[] {
    return this.o.ports.map((p) => `127.0.0.1:${p}`);
  }

  private logDir(i: number) {
    return join(this.root, `node-${i + 1}`, 'data');
  }

  private configFile(i: number) {
    return join(this.root, `node-${i + 1}`, 'server.properties');
  }

  private config(i: number): string {
    const n = this.o.nodes;
    const rf = Math.min(3, n);
    const minIsr = Math.min(2, n);
    const voters = this.o.controllerPorts.map((p, j) => `${j + 1}@127.0.0.1:${p}`).join(',');
    return [
      'process.roles=broker,controller',
      `node.id=${i + 1}`,
      `controller.quorum.voters=${voters}`,
      `listeners=PLAINTEXT://127.0.0.1:${this.o.ports[i]},CONTROLLER://127.0.0.1:${this.o.controllerPorts[i]}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.o.ports[i]}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${this.logDir(i)}`,
      `auto.create.topics.enable=${this.o.autoCreateTopics}`,
      'num.partitions=4',
      `default.replication.factor=${rf}`,
      `min.insync.replicas=${minIsr}`,
      `offsets.topic.replication.factor=${rf}`,
      'offsets.topic.num.partitions=8',
      `transaction.state.log.replication.factor=${rf}`,
      `transaction.state.log.min.isr=${minIsr}`,
      'transaction.state.log.num.partitions=4',
      `share.coordinator.state.topic.replication.factor=${rf}`,
      `share.coordinator.state.topic.min.isr=${minIsr}`,
      'group.initial.rebalance.delay.ms=0',
      // A dead node is fenced (and leaves every ISR) after 3 s instead of 9 s.
      'broker.session.timeout.ms=3000',
      'broker.heartbeat.interval.ms=500',
      'replica.lag.time.max.ms=5000',
      'controller.quorum.election.timeout.ms=1000',
      'controller.quorum.fetch.timeout.ms=2000',
      'group.min.session.timeout.ms=500',
      'log.segment.bytes=8388608',
      'log.retention.check.interval.ms=60000',
      'num.network.threads=2',
      'num.io.threads=2',
      'background.threads=2',
      'num.replica.fetchers=1',
      'num.recovery.threads.per.data.dir=1',
      'log.flush.interval.ms=9223372036854775807',
      '',
    ].join('\n');
  }

  private java(args: string[]): string[] {
    return [
      `-Xmx${this.o.heap}`,
      '-Xms64m',
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(this.root, 'log4j2.yaml')}`,
      '-cp',
      this.classpath,
      ...args,
    ];
  }

  /** `kafka-storage format` for every node (one JVM per node, in parallel). */
  async format(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.o.nodes }, (_, i) =>
        run('java', this.java(['kafka.tools.StorageTool', 'format', '-t', this.clusterId, '-c', this.configFile(i), '--ignore-formatted'])),
      ),
    );
  }

  /** Starts node i (0-based) and resolves once its client port accepts connections (minutes on a loaded 2-core machine). */
  async startNode(i: number, timeoutMs = 180_000): Promise<void> {
    if (this.running(i)) return;
    const c = spawn('java', this.java(['kafka.Kafka', this.configFile(i)]), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs[i] = c;
    c.stdout!.on('data', (d) => (this.outputs[i] += d));
    c.stderr!.on('data', (d) => (this.outputs[i] += d));
    const deadline = Date.now() + timeoutMs;
    while (!(await portOpen(this.o.ports[i]))) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`Kafka node ${i + 1} exited before it listened:\n${this.outputs[i].slice(-4000)}`);
      if (Date.now() > deadline)
        throw new Error(`Kafka node ${i + 1} did not listen on ${this.o.ports[i]} within ${timeoutMs} ms:\n${this.outputs[i].slice(-4000)}`);
      await sleep(100);
    }
  }

  running(i: number): boolean {
    const c = this.procs[i];
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  pid(i: number): number | undefined {
    return this.running(i) ? this.procs[i]!.pid : undefined;
  }

  signal(i: number, sig: NodeJS.Signals): void {
    if (this.running(i)) this.procs[i]!.kill(sig);
  }

  /** Sends the signal and waits for the JVM to exit; after `graceMs` a SIGKILL follows. */
  async stopNode(i: number, sig: NodeJS.Signals, graceMs = 15_000): Promise<void> {
    const c = this.procs[i];
    if (!c || !this.running(i)) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT'); // a paused JVM would never handle SIGTERM
    c.kill(sig);
    const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves once every running node is registered and unfenced (describeCluster lists it). */
  async waitForBrokers(expected: number[], timeoutMs = 180_000): Promise<void> {
    const admin = new Kafka({
      clientId: 'meridian-test-kafka',
      brokers: this.brokers.filter((_, i) => this.running(i)),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    const deadline = Date.now() + timeoutMs;
    let last = '';
    try {
      for (;;) {
        try {
          await admin.connect();
          const c = await admin.describeCluster();
          const ids = c.brokers.map((b) => b.nodeId);
          last = `brokers ${ids.join(',')} (controller ${c.controller})`;
          if (expected.every((id) => ids.includes(id)) && c.controller !== null && c.controller >= 0) return;
        } catch (e) {
          last = (e as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`Kafka cluster not ready within ${timeoutMs} ms: ${last}\n${this.output().slice(-4000)}`);
        await sleep(200);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Whether the brokers' config says unknown topics are created on first use. */
  static async autoCreates(brokers: string[]): Promise<boolean> {
    const admin = new Kafka({ clientId: 'meridian-test-kafka', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { brokers: bs } = await admin.describeCluster();
      const r = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: String(bs[0].nodeId), configNames: ['auto.create.topics.enable'] }],
      });
      return r.resources[0].configEntries[0]?.configValue === 'true';
    } finally {
      await admin.disconnect();
    }
  }

  output(i?: number): string {
    return i === undefined ? this.outputs.map((o, j) => `--- kafka node ${j + 1}\n${o}`).join('\n') : this.outputs[i];
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`${cmd} ${args.slice(-6).join(' ')} exited ${code}:\n${out}`))));
  });
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
