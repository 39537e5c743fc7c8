import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { requirePostgres } from './local-services';

/**
 * A fresh, empty database on the PostgreSQL server of `serverUrl` (created through its
 * `postgres` database), and a function that drops it. The name is generated, so safe to interpolate.
 * An unreachable server throws a message naming it and how to start it.
 */
export async function freshPostgresDatabase(serverUrl: string, label = 'meridian_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  await requirePostgres(serverUrl);
  const name = `${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const url = new URL(serverUrl);
    url.pathname = '/postgres';
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
