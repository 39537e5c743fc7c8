/**
 * Against the real PostgreSQL and MariaDB servers of the machine (127.0.0.1:5432 user postgres,
 * 127.0.0.1:3306 root): a lock held in one connection while another waits shows up as a
 * blocking chain, and the collector exports the expected OTLP metrics to an HTTP endpoint that
 * decodes them with Meridian's own OTLP decoder.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createConnection, type Connection } from 'mysql2/promise';
import type { MetricPointRow } from '@meridian/domain';
import { decodeMetrics } from '@meridian/otlp';
import { buildMetricRows } from '@meridian/signal-rows';
import { DbCollector } from './db-collector';
import { MysqlProbe } from './mysql-probe';
import { PostgresProbe } from './postgres-probe';
import { parseTarget, redactUrl } from './targets';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';
const suffix = randomBytes(4).toString('hex');

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An OTLP/HTTP metrics endpoint: decodes each request into Meridian's metric rows. */
async function otlpSink(): Promise<{ url: string; rows: MetricPointRow[]; auth: string[]; close(): Promise<void> }> {
  const rows: MetricPointRow[] = [];
  const auth: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      const decoded = decodeMetrics(Buffer.concat(chunks), 'protobuf');
      rows.push(...buildMetricRows(decoded, { tenantId: 't', retentionDays: 1 }));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rows,
    auth,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('collector targets', () => {
  it('parses postgres and mysql URLs into instance addresses and never keeps the password in what it shows', () => {
    const pg = parseTarget({ url: 'postgresql://app:s3cret@db.internal/orders', cluster: 'orders' });
    expect(pg).toMatchObject({ kind: 'postgresql', host: 'db.internal', port: 5432, database: 'orders', instance: 'db.internal:5432', cluster: 'orders' });
    expect(pg.redactedUrl).toBe('postgresql://app:***@db.internal/orders');
    expect(parseTarget({ url: 'mariadb://root@10.0.0.5:3307/shop', name: 'shop-primary' })).toMatchObject({
      kind: 'mysql',
      instance: '10.0.0.5:3307',
      name: 'shop-primary',
    });
    expect(redactUrl('mysql://u:pw@h/db?password=x&ssl=true')).toBe('mysql://u:***@h/db?password=***&ssl=true');
  });

  it('refuses unknown schemes and non-URLs without echoing the secret', () => {
    expect(() => parseTarget({ url: 'redis://u:topsecret@h:6379' })).toThrow(/unsupported scheme "redis"/);
    expect(() => parseTarget({ url: 'redis://u:topsecret@h:6379' })).not.toThrow(/topsecret/);
    expect(() => parseTarget({ url: 'not a url topsecret' })).toThrow(/not a URL/);
    expect(() => parseTarget({ url: 'not a url topsecret' })).not.toThrow(/topsecret/);
  });
});

describe('PostgreSQL probe (real server)', () => {
  const table = `meridian_collector_${suffix}`;
  let holder: Client;
  let waiter: Client;

  beforeAll(async () => {
    holder = new Client({ connectionString: PG_URL });
    waiter = new Client({ connectionString: PG_URL });
    await Promise.all([holder.connect(), waiter.connect()]);
    await holder.query(`CREATE TABLE ${table} (id int PRIMARY KEY, qty int NOT NULL)`);
    await holder.query(`INSERT INTO ${table} VALUES (1, 10), (2, 20)`);
  });

  afterAll(async () => {
    await holder.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await Promise.all([holder.end(), waiter.end()]);
  });

  it('reports a held row lock as a blocking chain, with both statements fingerprinted', async () => {
    const holderPid = String((await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    await holder.query('BEGIN');
    await holder.query(`UPDATE ${table} SET qty = qty - 1 WHERE id = 1`);
    const waiterPid = String((await waiter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const blocked = waiter.query(`UPDATE ${table} SET qty = qty + 5 WHERE id = 1`);
    const probe = new PostgresProbe(parseTarget({ url: PG_URL }));
    try {
      const snap = await eventually(async () => {
        const s = await probe.read();
        return s.blocking.some((e) => e.blockedId === waiterPid) ? s : undefined;
      }, 'the waiting UPDATE to show up as blocked');
      const edge = snap.blocking.find((e) => e.blockedId === waiterPid)!;
      expect(edge).toMatchObject({
        blockingId: holderPid,
        blockedQuery: `UPDATE ${table} SET qty = qty + ? WHERE id = ?`,
        lockType: 'transactionid',
        lockMode: 'ShareLock',
      });
      expect(snap.lockWaits).toBeGreaterThanOrEqual(1);
      const session = snap.sessions.find((x) => x.id === waiterPid)!;
      expect(session).toMatchObject({ state: 'waiting', waitEvent: 'Lock:transactionid', blockedBy: [holderPid], database: 'test' });
      // The holder is idle in its transaction: listed (not idle), and its last statement shown without literals.
      expect(snap.sessions.find((x) => x.id === holderPid)).toMatchObject({
        state: 'idle in transaction',
        query: `UPDATE ${table} SET qty = qty - ? WHERE id = ?`,
      });
      expect(snap.system).toBe('postgresql');
      expect(snap.maxConnections).toBeGreaterThan(0);
    } finally {
      await holder.query('ROLLBACK');
      await blocked;
      await probe.close();
    }
  });
});

describe('MariaDB probe (real server)', () => {
  const table = `meridian_collector_${suffix}`;
  let holder: Connection;
  let waiter: Connection;

  beforeAll(async () => {
    [holder, waiter] = await Promise.all([createConnection({ uri: MYSQL_URL }), createConnection({ uri: MYSQL_URL })]);
    await holder.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, qty INT NOT NULL) ENGINE=InnoDB`);
    await holder.query(`INSERT INTO ${table} VALUES (1, 10), (2, 20)`);
  });

  afterAll(async () => {
    await holder.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await Promise.all([holder.end(), waiter.end()]);
  });

  it('reports an InnoDB row lock wait as a blocking chain between thread ids', async () => {
    await holder.query('START TRANSACTION');
    await holder.query(`UPDATE ${table} SET qty = qty - 1 WHERE id = 1`);
    const [[{ id: holderId }]] = (await holder.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const [[{ id: waiterId }]] = (await waiter.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const blocked = waiter.query(`UPDATE ${table} SET qty = qty + 5 WHERE id = 1`).catch((e: Error) => e);
    const probe = new MysqlProbe(parseTarget({ url: MYSQL_URL }));
    try {
      const snap = await eventually(async () => {
        const s = await probe.read();
        return s.blocking.some((e) => e.blockedId === String(waiterId)) ? s : undefined;
      }, 'the waiting UPDATE to show up as blocked');
      const edge = snap.blocking.find((e) => e.blockedId === String(waiterId))!;
      expect(edge.blockingId).toBe(String(holderId));
      expect(edge.blockedQuery).toBe(`UPDATE ${table} SET qty = qty + ? WHERE id = ?`);
      expect(edge.relation).toContain(table);
      expect(snap.sessions.find((x) => x.id === String(waiterId))).toMatchObject({ state: 'waiting', blockedBy: [String(holderId)] });
      expect(snap.system).toBe('mariadb');
      expect(snap.readings.find((r) => r.name === 'mysql.threads')!.points.find((p) => p.attributes.kind === 'connected')!.value).toBeGreaterThanOrEqual(2);
    } finally {
      await holder.query('ROLLBACK');
      await blocked;
      await probe.close();
    }
  });
});

describe('DbCollector export (real servers → OTLP/HTTP protobuf)', () => {
  it('sends receiver-compatible and Meridian metrics per instance with the ingest key, and reports a dead target as down', async () => {
    const sink = await otlpSink();
    const idle = new Client({ connectionString: PG_URL });
    await idle.connect();
    const collector = new DbCollector({
      otlpUrl: sink.url,
      ingestKey: 'mrd_ik_test',
      targets: [{ url: PG_URL, cluster: 'local' }, { url: MYSQL_URL }, { url: 'postgres://postgres:hunter2@127.0.0.1:1/none', name: 'gone' }],
      log: () => undefined,
    });
    try {
      expect(JSON.stringify(collector.targets())).not.toContain('hunter2');
      await collector.pollOnce();
      expect(new Set(sink.auth)).toEqual(new Set(['Bearer mrd_ik_test']));
      const of = (instance: string, name: string) =>
        sink.rows.filter((r) => r.resource_attributes['service.instance.id'] === instance && r.metric_name === name);

      const pgBackends = of('127.0.0.1:5432', 'postgresql.backends');
      expect(pgBackends.find((r) => r.attributes['db.namespace'] === 'test')).toMatchObject({ metric_type: 'SUM', temporality: 'CUMULATIVE', is_monotonic: 0 });
      expect(of('127.0.0.1:5432', 'postgresql.commits')[0]).toMatchObject({ is_monotonic: 1 });
      expect(of('127.0.0.1:5432', 'meridian.db.up')[0].value).toBe(1);
      expect(of('127.0.0.1:5432', 'meridian.db.connections.max')[0].value).toBeGreaterThan(0);
      expect(of('127.0.0.1:5432', 'meridian.db.sessions').find((r) => r.attributes.state === 'idle')!.value).toBeGreaterThanOrEqual(1);
      expect(of('127.0.0.1:5432', 'meridian.db.up')[0].resource_attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'server.address': '127.0.0.1',
        'server.port': '5432',
        'meridian.db.cluster': 'local',
      });

      expect(
        of('127.0.0.1:3306', 'mysql.threads')
          .map((r) => r.attributes.kind)
          .sort(),
      ).toEqual(['cached', 'connected', 'created', 'running']);
      expect(of('127.0.0.1:3306', 'mysql.query.count')[0].value).toBeGreaterThan(0);
      expect(of('127.0.0.1:3306', 'meridian.db.up')[0].resource_attributes).toMatchObject({
        'db.system.name': 'mariadb',
        'mysql.instance.endpoint': '127.0.0.1:3306',
      });

      const down = of('127.0.0.1:1', 'meridian.db.up');
      expect(down).toHaveLength(1);
      expect(down[0].value).toBe(0);
      expect(down[0].attributes.error).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(sink.rows)).not.toContain('hunter2');
    } finally {
      await collector.stop();
      await sink.close();
      await idle.end();
    }
  });
});
