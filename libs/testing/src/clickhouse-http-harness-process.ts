import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HarnessInsert } from './clickhouse-http-harness';

const REPO = resolve(__dirname, '../../..');

export interface ClickHouseHttpHarnessProcess {
  /** e.g. http://127.0.0.1:41234 — use as a region's `clickhouse.url`. */
  url: string;
  username: string;
  password: string;
  dataDir: string;
  child: ChildProcess;
  /** Every INSERT that carried a deduplication token so far (harness-only `GET /harness/inserts`). */
  inserts(): Promise<HarnessInsert[]>;
  /** SIGTERM, wait, remove the data dir (unless it was given). */
  stop(): Promise<void>;
}

/**
 * Starts the ClickHouse HTTP test harness (one chdb engine behind ClickHouse's HTTP interface)
 * as a child process and waits until it listens. Several Meridian processes can then share
 * that one store with `clickhouse.mode: http`. A test harness, not a ClickHouse server.
 */
export async function startClickHouseHttpHarness(
  opts: {
    dataDir?: string;
    username?: string;
    password?: string;
    /** More credentials, user → password. */
    users?: Record<string, string>;
    /** Fault injection: answer these users' INSERTs only this many ms after storing them. */
    holdInsertAnswersMs?: Record<string, number>;
    timeoutMs?: number;
  } = {},
): Promise<ClickHouseHttpHarnessProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'meridian-ch-harness-'));
  const username = opts.username ?? 'meridian';
  const password = opts.password ?? 'harness-secret';
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'scripts/run-ts.js'),
      join(REPO, 'libs/testing/src/clickhouse-http-harness.script.ts'),
      JSON.stringify({ dataDir, username, password, users: opts.users, holdInsertAnswersMs: opts.holdInsertAnswersMs }),
    ],
    {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      // stdin stays open: the harness exits when it closes, i.e. when this process dies.
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`clickhouse http harness did not start within ${opts.timeoutMs ?? 60_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = () => {
      const m = /clickhouse-http-harness listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolveUrl(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`clickhouse http harness exited with ${child.exitCode ?? child.signalCode} before listening:\n${out}`));
    });
  });
  return {
    url,
    username,
    password,
    dataDir,
    child,
    async inserts() {
      const res = await fetch(`${url}/harness/inserts`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
      if (!res.ok) throw new Error(`GET /harness/inserts: ${res.status} ${await res.text()}`);
      return (await res.json()) as HarnessInsert[];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
