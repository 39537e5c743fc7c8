import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');

export interface KafkaBrokerOptions {
  /** Mock brokers in the cluster (ids 1..N). */
  brokers?: number;
  /** Topics to create, name → partitions. Unknown topics are auto-created with 4 partitions. */
  topics?: Record<string, number>;
  /** Fixed listener ports, one per broker (default: free ports picked now, so restart() keeps them). */
  ports?: number[];
}

export interface KafkaBroker {
  /** `host:port` of every broker (same after restart()). */
  brokers: string[];
  /** Comma-separated, as MERIDIAN_KAFKA_BROKERS takes it. */
  bootstrap: string;
  createTopic(name: string, partitions: number): Promise<void>;
  /** SIGKILL: the broker is gone at once, with every message, offset and group. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
  /** Starts an empty broker again on the same ports, with the same topics. */
  restart(): Promise<void>;
  output(): string;
}

/**
 * Builds (once, cached by source hash) and starts a real Kafka-protocol broker: librdkafka's
 * mock cluster in scripts/kafka-mock/kafka-mock.c. Installs Debian's librdkafka-dev on first use.
 * Everything lives in memory: kill() or stop() loses all data.
 */
export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
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
  return {
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
