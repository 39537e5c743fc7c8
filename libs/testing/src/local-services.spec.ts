import { mkdtempSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalServices, type LocalService, mariadbService, postgresService, requireMariadb, requirePostgres } from './local-services';

/** A loopback port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Stands in for a database's answer in the start tests: something accepts TCP on the port. */
const tcpCheck = (service: LocalService) =>
  new Promise<Error | undefined>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(service.url).port) });
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('error', (e) => resolve(e));
  });

describe('local database servers for the tests', () => {
  it("finds the machine's PostgreSQL and MariaDB answering (the suites that need them run, never skip)", async () => {
    const logged: string[] = [];
    const statuses = await ensureLocalServices({ log: (l) => logged.push(l) });
    expect(statuses.map((s) => [s.service.name, s.problem])).toEqual([
      ['PostgreSQL', undefined],
      ['MariaDB', undefined],
    ]);
    await expect(requirePostgres()).resolves.toBeUndefined();
    await expect(requireMariadb()).resolves.toBeUndefined();
  });

  it('fails with the server named (password hidden), the reason, and how to start it or point elsewhere', async () => {
    const attempt = requirePostgres('postgres://meridian:hunter2@127.0.0.1:1/test');
    await expect(attempt).rejects.toThrow(
      'PostgreSQL is not reachable at postgres://meridian:***@127.0.0.1:1/test (connect ECONNREFUSED 127.0.0.1:1). The tests that need it fail until it answers: start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set DATABASE_URL to a server that runs.',
    );
    await expect(attempt).rejects.not.toThrow('hunter2');
    await expect(requireMariadb('mysql://root@127.0.0.1:1/test')).rejects.toThrow(
      /^MariaDB is not reachable at mysql:\/\/root@127\.0\.0\.1:1\/test \(.*ECONNREFUSED.*\)\. .*start it with `start-stop-daemon --start --oknodo --background --exec \/usr\/sbin\/mariadbd`\.$/,
    );
  });

  it("starts only the machine's own server: another address is reported, not started", async () => {
    const logged: string[] = [];
    const [status] = await ensureLocalServices({ services: [postgresService('postgres://postgres@127.0.0.1:1/test')], log: (l) => logged.push(l) });
    expect(status.problem).toMatch(/^PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/test/);
    expect(logged).toEqual([]);
  });

  it('starts a stopped machine server once with its own command, then waits until it answers', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'meridian-local-services-'));
    const listen = `require('net').createServer().listen(${port}, '127.0.0.1'); setTimeout(() => process.exit(0), 30000)`;
    const service: LocalService = {
      ...mariadbService(`mysql://root@127.0.0.1:${port}/test`),
      localPort: port,
      // Takes a while to listen, like a database starting; records each time it runs.
      startCommand: `echo ran >> ${dir}/runs; (sleep 1; exec node -e "${listen}") >/dev/null 2>&1 & echo $! > ${dir}/pid`,
    };
    const logged: string[] = [];
    try {
      const [status] = await ensureLocalServices({ services: [service], log: (l) => logged.push(l), check: tcpCheck, waitMs: 20_000 });
      expect(status.problem).toBeUndefined();
      expect(status.started).toMatch(/^MariaDB was down; started with `echo ran .*` \(answering after \d+\.\d s\)$/);
      expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('ran\n');
      expect(logged).toEqual([
        expect.stringMatching(/^\[local-services\] MariaDB is down at mysql:\/\/root@127\.0\.0\.1:\d+\/test; starting it: echo ran/),
        `[local-services] ${status.started}`,
      ]);
      expect(await tcpCheck(service)).toBeUndefined();
    } finally {
      try {
        process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')));
      } catch {
        // already gone
      }
    }
  });

  it('reports a server that its start command did not bring up, with what the command said', async () => {
    const port = await freePort();
    const service: LocalService = {
      ...postgresService(`postgres://postgres@127.0.0.1:${port}/test`),
      localPort: port,
      startCommand: 'echo no cluster here >&2; exit 3',
    };
    const logged: string[] = [];
    const [status] = await ensureLocalServices({ services: [service], log: (l) => logged.push(l), check: tcpCheck, waitMs: 1_000 });
    expect(status.started).toBeUndefined();
    expect(status.problem).toMatch(new RegExp(`^PostgreSQL is not reachable at postgres://postgres@127\\.0\\.0\\.1:${port}/test \\(connect ECONNREFUSED`));
    expect(logged[1]).toBe('[local-services] PostgreSQL did not come up (exit 3: no cluster here)');
  });
});
