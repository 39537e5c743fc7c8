import { execFile } from 'node:child_process';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';

/**
 * The database servers of the machine that some suites need. The project's machines start them
 * before a session (PostgreSQL on 127.0.0.1:5432 with trust login, MariaDB on 127.0.0.1:3306 as
 * root without password). A suite that needs one and cannot reach it FAILS with a message that
 * says how to start it: it never skips, so a run without them cannot look green.
 *
 * Imports only Node built-ins and drivers: jest loads this file as its globalSetup, outside the
 * module map of the tests.
 */
export interface LocalService {
  name: 'PostgreSQL' | 'MariaDB';
  url: string;
  /** The variable that points the tests at another server, if there is one. */
  envVar?: string;
  /** The command the machine uses to start it (as root). */
  startCommand: string;
  /** Where the machine's own server listens; the start command is only tried for this address. */
  localPort: number;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_MARIADB_URL = 'mysql://root@127.0.0.1:3306/test';

/** The PostgreSQL server the tests use: DATABASE_URL when set, else the machine's local one. */
export function testPostgresUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_POSTGRES_URL;
}

export function postgresService(url = testPostgresUrl()): LocalService {
  return {
    name: 'PostgreSQL',
    url,
    envVar: 'DATABASE_URL',
    startCommand: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    localPort: 5432,
  };
}

export function mariadbService(url = DEFAULT_MARIADB_URL): LocalService {
  return { name: 'MariaDB', url, startCommand: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd', localPort: 3306 };
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** undefined when the server answers a query; else why not. */
export async function probe(service: LocalService, timeoutMs = 3_000): Promise<Error | undefined> {
  try {
    if (service.name === 'PostgreSQL') {
      const c = new Client({ connectionString: service.url, connectionTimeoutMillis: timeoutMs });
      // A connect error is also emitted; without a listener it would crash the process.
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.query('select 1');
      } finally {
        await c.end();
      }
    } else {
      const c = await createConnection({ uri: service.url, connectTimeout: timeoutMs });
      try {
        await c.query('select 1');
      } finally {
        await c.end();
      }
    }
    return undefined;
  } catch (e) {
    // Duck-typed: under jest, Node's own errors come from another realm than the test's `Error`.
    const err = typeof (e as Error)?.message === 'string' ? (e as Error) : new Error(String(e));
    // An AggregateError (one per address of `localhost`) has no message of its own: take the first.
    const first = (err as { errors?: Error[] }).errors?.[0];
    return !err.message && first ? first : err;
  }
}

/** What a failing suite says: which server, why, how to start it, what to set instead. */
export function unreachableMessage(service: LocalService, error: Error): string {
  const why = error.message || (error as { code?: string }).code || String(error);
  const instead = service.envVar ? `, or set ${service.envVar} to a server that runs` : '';
  return `${service.name} is not reachable at ${shown(service.url)} (${why}). The tests that need it fail until it answers: start it with \`${service.startCommand}\`${instead}.`;
}

/** Throws the message above when the service does not answer; for a suite's beforeAll. */
export async function requireLocalService(service: LocalService): Promise<void> {
  const error = await probe(service);
  if (error) throw new Error(unreachableMessage(service, error));
}

export const requirePostgres = (url = testPostgresUrl()) => requireLocalService(postgresService(url));
export const requireMariadb = (url = DEFAULT_MARIADB_URL) => requireLocalService(mariadbService(url));

/** Refused or not listening at all: a stopped server, worth starting. Auth or database errors are not. */
function isDown(error: Error): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || /ECONNREFUSED/.test(error.message);
}

function isMachineServer(service: LocalService): boolean {
  try {
    const u = new URL(service.url);
    const port = Number(u.port || service.localPort);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && port === service.localPort;
  } catch {
    return false;
  }
}

function run(command: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve(`${err ? `exit ${err.code ?? err.signal}: ` : ''}${`${stdout}${stderr}`.trim()}`),
    );
  });
}

export interface ServiceStatus {
  service: LocalService;
  /** Set when the service still does not answer: the message the failing suites also give. */
  problem?: string;
  /** Set when this run started it. */
  started?: string;
}

/** Where the jest reporter finds what stayed down (globalSetup and reporters share the main process). */
export const SERVICE_STATUS_KEY = Symbol.for('meridian.test.localServices');

/**
 * jest's globalSetup: a machine server that is down (refused on its own loopback port) is started
 * once with the machine's own command, then waited for; what still does not answer is recorded
 * for the summary reporter, and the suites that need it fail with the same message. Never throws:
 * a run of suites that need no database is not held up by one.
 */
export async function ensureLocalServices({
  services = [postgresService(), mariadbService()],
  log = (line: string) => process.stderr.write(`${line}\n`),
  waitMs = 30_000,
  check = probe,
}: { services?: LocalService[]; log?: (line: string) => void; waitMs?: number; check?: (service: LocalService) => Promise<Error | undefined> } = {}): Promise<
  ServiceStatus[]
> {
  const statuses = await Promise.all(
    services.map(async (service): Promise<ServiceStatus> => {
      let error = await check(service);
      if (!error) return { service };
      if (!isDown(error) || !isMachineServer(service)) return { service, problem: unreachableMessage(service, error) };
      log(`[local-services] ${service.name} is down at ${shown(service.url)}; starting it: ${service.startCommand}`);
      const output = await run(service.startCommand);
      const deadline = Date.now() + waitMs;
      const t0 = Date.now();
      while ((error = await check(service)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      if (error) {
        log(`[local-services] ${service.name} did not come up (${output || 'no output'})`);
        return { service, problem: unreachableMessage(service, error) };
      }
      const started = `${service.name} was down; started with \`${service.startCommand}\` (answering after ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
      log(`[local-services] ${started}`);
      return { service, started };
    }),
  );
  (globalThis as Record<symbol, unknown>)[SERVICE_STATUS_KEY] = statuses.map((s) => ({ name: s.service.name, problem: s.problem, started: s.started }));
  return statuses;
}
