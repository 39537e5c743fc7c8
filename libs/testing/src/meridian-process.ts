import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');

export interface MeridianProcess {
  dataDir: string;
  ports: { http: number; grpc: number; api: number };
  ingestKey: string;
  apiKey: string;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM and wait for exit (graceful: drains accepted data). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<number | null>;
  child: ChildProcess;
}

export interface StartOptions {
  dataDir?: string;
  roles?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** A `npm run build` output directory: run its JavaScript there instead of the sources through run-ts. */
  built?: string;
  /** Node and V8 flags for the child (e.g. --cpu-prof, --trace-gc: NODE_OPTIONS refuses most V8 flags). */
  nodeArgs?: readonly string[];
}

/**
 * Runs the real server binary (`meridian start`) as a child process on ephemeral ports and
 * waits for its start banner, from which it reads the ports and the demo tenant's keys.
 */
export async function startMeridian(opts: StartOptions = {}): Promise<MeridianProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'meridian-e2e-'));
  const entry = opts.built ? [join(opts.built, 'apps/server/src/main.js')] : [join(REPO, 'scripts/run-ts.js'), join(REPO, 'apps/server/src/main.ts')];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'start', `--roles=${opts.roles ?? 'all'}`], {
    cwd: opts.built ?? REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      MERIDIAN_DATA_DIR: dataDir,
      MERIDIAN_HOST: '127.0.0.1',
      MERIDIAN_API_PORT: '0',
      MERIDIAN_OTLP_HTTP_PORT: '0',
      MERIDIAN_OTLP_GRPC_PORT: '0',
      MERIDIAN_DEMO: '0',
      MERIDIAN_INGEST_FLUSH_MS: '200',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  while (!/Meridian is running[\s\S]*\(Ctrl\+C to stop\)/.test(out)) {
    if (exitCode !== undefined) throw new Error(`meridian exited with ${exitCode} before starting:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`meridian did not start in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // With MERIDIAN_LOG_FORMAT=json the banner comes as one JSON object per line: read its msg.
  const text = out
    .split('\n')
    .map((l) => {
      try {
        return (JSON.parse(l) as { msg?: string }).msg ?? l;
      } catch {
        return l;
      }
    })
    .join('\n');
  const grab = (re: RegExp) => re.exec(text)?.[1] ?? '';
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    dataDir,
    ports: {
      http: Number(grab(/OTLP\/HTTP\s+http:\/\/localhost:(\d+)/)),
      grpc: Number(grab(/OTLP\/gRPC\s+http:\/\/localhost:(\d+)/)),
      api: Number(grab(/API\s+http:\/\/localhost:(\d+)/)),
    },
    ingestKey: grab(/MERIDIAN_INGEST_KEY=(\S+)/),
    apiKey: grab(/MERIDIAN_API_KEY=(\S+)/),
    output: () => out,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    child,
  };
}

/** Runs one `meridian …` CLI command to completion (the same binary as the server). */
export function runMeridianCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts/run-ts.js'), join(REPO, 'apps/server/src/main.ts'), ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}
