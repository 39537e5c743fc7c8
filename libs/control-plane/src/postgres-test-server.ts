import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's own server, which the PostgreSQL specs use unless DATABASE_URL names another. */
export const LOCAL_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const START_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/**
 * Fresh databases for the PostgreSQL specs on `serverUrl` (created through its `postgres`
 * database, dropped by `dropAll`), so parallel runs never share state. A server that does not
 * answer fails the suite with a message naming it and how to start it: these specs never skip.
 * (The same rule as @meridian/testing's requirePostgres, which a data-access lib may not import.)
 */
export function postgresTestServer(serverUrl: string) {
  const created: string[] = [];

  async function admin<T>(run: (client: Client) => Promise<T>): Promise<T> {
    const url = new URL(serverUrl);
    url.pathname = '/postgres';
    const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined); // a dropped connection also rejects the query in flight
    try {
      await client.connect();
    } catch (e) {
      const shown = new URL(serverUrl);
      if (shown.password) shown.password = '***';
      const why = (e as Error).message || (e as { code?: string }).code;
      throw new Error(`PostgreSQL is not reachable at ${shown.toString()} (${why}). The PostgreSQL specs need it: start it with \`${START_COMMAND}\`, or set DATABASE_URL to a server that runs.`);
    }
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  return {
    /** A fresh, empty database; returns its URL. The name is generated, so safe to interpolate. */
    async freshDatabase(label: string): Promise<string> {
      const name = `${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin((c) => c.query(`create database ${name}`));
      created.push(name);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropAll(): Promise<void> {
      if (created.length === 0) return;
      await admin(async (c) => {
        for (const name of created.splice(0)) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}
