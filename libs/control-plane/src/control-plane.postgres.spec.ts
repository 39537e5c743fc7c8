import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ControlPlaneDb } from './control-plane-db';
import { describeControlPlaneContract } from './control-plane.contract';

/**
 * The same contract on a PostgreSQL server, when DATABASE_URL points at one
 * (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test). Each run creates its own
 * databases through the server's `postgres` database and drops them afterwards, so parallel
 * runs never share state.
 */
const serverUrl = process.env.DATABASE_URL;
const describeIfServer = serverUrl ? describe : describe.skip;

describeIfServer(`control plane on PostgreSQL (DATABASE_URL${serverUrl ? '' : ' not set: skipped'})`, () => {
  const created: string[] = [];

  async function admin<T>(run: (client: Client) => Promise<T>): Promise<T> {
    const url = new URL(serverUrl as string);
    url.pathname = '/postgres';
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /** A fresh, empty database; returns its URL. The name is generated, so safe to interpolate. */
  async function freshDatabase(): Promise<string> {
    const name = `meridian_cp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`create database ${name}`));
    created.push(name);
    const url = new URL(serverUrl as string);
    url.pathname = `/${name}`;
    return url.toString();
  }

  afterAll(async () => {
    await admin(async (c) => {
      for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
    });
  });

  describeControlPlaneContract(async () => {
    const cp = await ControlPlaneDb.open({ databaseUrl: await freshDatabase() });
    expect(cp.kind).toBe('postgres');
    return cp;
  });

  it('lets several replicas migrate the same database at once: one applies, the others wait', async () => {
    const url = await freshDatabase();
    const replicas = await Promise.all([1, 2, 3].map(() => ControlPlaneDb.open({ databaseUrl: url })));
    try {
      const applied = await Promise.all(replicas.map((r) => r.migrate()));
      expect(applied.flat()).toEqual(['0001_initial', '0002_accounts', '0003_alerting', '0004_ingest_limits_usage']);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('fails to open with the server named and no password in the message', async () => {
    const url = new URL(serverUrl as string);
    url.password = 'hunter2';
    url.port = '1';
    const attempt = ControlPlaneDb.open({ databaseUrl: url.toString() });
    await expect(attempt).rejects.toThrow(`failed to open the control-plane database (postgres at postgres://${url.hostname}:1${url.pathname})`);
    await expect(attempt).rejects.not.toThrow('hunter2');
  });
});
