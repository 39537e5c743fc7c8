import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { HOT_SKU, PRODUCTS, prepareLocalMariadb, prepareLocalPostgres, seedPostgres } from './databases';
import type { PgliteChildMessage } from './pglite-process';
import type { ChildMessage, ParentMessage, ServiceProcessConfig } from './service-process';

const REPO = resolve(__dirname, '../../../..');
const RUN_TS = join(REPO, 'scripts/run-ts.js');
/** Built by `npm run build`: the child entries are JavaScript beside this file, run by node itself. */
const COMPILED = __filename.endsWith('.js');
const START_TIMEOUT_MS = 60_000;

export interface DemoAppOptions {
  /** OTLP/HTTP base URL of the intake, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** Ingest key of the demo tenant (sent to the service processes over IPC, never on a command line). */
  ingestKey: string;
  /** Requests per second the built-in load sends to the storefront; 0 = none (tests drive it). Default 4. */
  requestsPerSecond?: number;
  /** Use the PostgreSQL server at 127.0.0.1:5432 when it answers (default); false = always PGlite. */
  useLocalPostgres?: boolean;
  /** Use the MariaDB/MySQL server at 127.0.0.1:3306 when it answers (default true). */
  useLocalMariadb?: boolean;
  log?: (msg: string) => void;
}

/** A database the demo uses, as the collector takes it. */
export interface DemoDatabase {
  url: string;
  name: string;
  cluster: string;
}

export interface DemoApp {
  storefrontUrl: string;
  catalogUrl: string;
  inventoryUrl: string;
  /** 'server': the local PostgreSQL; 'pglite': the in-process fallback behind its wire-protocol socket. */
  postgres: 'server' | 'pglite';
  mariadb: boolean;
  /** For the collector: what to monitor (URLs carry the demo's local, password-less logins). */
  databases: DemoDatabase[];
  /** Requests the built-in load sent, and how many failed. */
  stats(): { requests: number; failures: number };
  stop(): Promise<void>;
}

/**
 * Starts the demo: prepares its databases (local PostgreSQL, else PGlite; MariaDB when
 * available), runs storefront, catalog and inventory as separate instrumented processes that
 * export traces to `otlpUrl`, and drives them with a small load.
 */
export async function startDemoApp(opts: DemoAppOptions): Promise<DemoApp> {
  const log = opts.log ?? ((m) => console.warn(m));
  const children: ChildProcess[] = [];
  const stopChildren = () => Promise.all(children.map(stopChild));
  try {
    // Forking and loading the instrumented processes takes most of the start: do it while the databases are prepared.
    const [catalog, inventory, storefront] = [0, 1, 2].map(() => forkChild('service-process', children));
    let postgresUrl = opts.useLocalPostgres === false ? undefined : await prepareLocalPostgres();
    const postgres: DemoApp['postgres'] = postgresUrl ? 'server' : 'pglite';
    if (!postgresUrl) {
      const port = await forkChild('pglite-process', children).ready();
      postgresUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
      await seedPostgres(postgresUrl);
    }
    const mysqlUrl = opts.useLocalMariadb === false ? undefined : await prepareLocalMariadb();
    const base = { otlpUrl: opts.otlpUrl, ingestKey: opts.ingestKey, postgresUrl };
    const url = (port: number) => `http://127.0.0.1:${port}`;
    const [catalogUrl, inventoryUrl] = (
      await Promise.all([catalog.ready({ ...base, service: 'catalog' }), inventory.ready({ ...base, service: 'inventory' })])
    ).map(url);
    const storefrontUrl = url(await storefront.ready({ ...base, service: 'storefront', mysqlUrl, catalogUrl, inventoryUrl }));
    const load = startLoad(storefrontUrl, opts.requestsPerSecond ?? 4);
    const databases: DemoDatabase[] = [{ url: postgresUrl, name: postgres === 'server' ? 'demo-postgresql' : 'demo-pglite', cluster: 'demo' }];
    if (mysqlUrl) databases.push({ url: mysqlUrl, name: 'demo-mariadb', cluster: 'demo' });
    log(
      `demo app: storefront ${storefrontUrl} on ${postgres === 'server' ? 'PostgreSQL 127.0.0.1:5432' : 'PGlite'}${mysqlUrl ? ' and MariaDB 127.0.0.1:3306' : ''}`,
    );
    return {
      storefrontUrl,
      catalogUrl,
      inventoryUrl,
      postgres,
      mariadb: mysqlUrl !== undefined,
      databases,
      stats: load.stats,
      async stop() {
        load.stop();
        await stopChildren();
      },
    };
  } catch (e) {
    await stopChildren();
    throw e;
  }
}

/** What one storefront request of the load does, weighted. */
const REQUESTS: Array<[weight: number, method: string, path: () => string]> = [
  [45, 'POST', () => `/checkout/${Math.random() < 0.35 ? HOT_SKU : `SKU-${String(2 + Math.floor(Math.random() * (PRODUCTS - 1))).padStart(4, '0')}`}`],
  [35, 'GET', () => '/products'],
  [20, 'GET', () => '/orders/recent'],
];

function startLoad(storefrontUrl: string, perSecond: number): { stats(): { requests: number; failures: number }; stop(): void } {
  let requests = 0;
  let failures = 0;
  let inFlight = 0;
  const total = REQUESTS.reduce((s, [w]) => s + w, 0);
  const fire = () => {
    if (inFlight >= 32) return; // the services are slow (lock waits): never pile up requests
    let pick = Math.random() * total;
    const [, method, path] = REQUESTS.find(([w]) => (pick -= w) < 0) ?? REQUESTS[0];
    requests++;
    inFlight++;
    fetch(`${storefrontUrl}${path()}`, { method })
      .then((res) => {
        if (res.status >= 500) failures++;
        return res.arrayBuffer();
      })
      .catch(() => failures++)
      .finally(() => inFlight--);
  };
  const timer = perSecond > 0 ? setInterval(fire, 1000 / perSecond) : undefined;
  timer?.unref();
  return { stats: () => ({ requests, failures }), stop: () => timer && clearInterval(timer) };
}

/**
 * Forks the entry module `name` beside this file (added to `children` at once, so it is stopped
 * whatever happens); `ready()` sends it its configuration, if any, and resolves with the port it reports.
 */
function forkChild(name: string, children: ChildProcess[]): { ready(config?: ServiceProcessConfig): Promise<number> } {
  const entry = join(__dirname, `${name}.${COMPILED ? 'js' : 'ts'}`);
  const child = fork(COMPILED ? entry : RUN_TS, COMPILED ? [] : [entry], { cwd: REPO, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  const reported = new Promise<number>((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`demo app: ${entry.split('/').pop()} ${why}\n${output}`));
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    child.once('exit', onExit);
    child.on('message', (msg: ChildMessage | PgliteChildMessage) => {
      if (msg.type === 'failed') return fail(`failed: ${msg.error}`);
      clearTimeout(timer);
      child.off('exit', onExit);
      resolvePromise(msg.port);
    });
  });
  reported.catch(() => undefined); // awaited through ready(); a child never asked for must not crash the process
  return {
    ready(config) {
      if (config) child.send({ type: 'start', config } satisfies ParentMessage);
      return reported;
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A child exits when its IPC channel closes, after flushing its spans.
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
