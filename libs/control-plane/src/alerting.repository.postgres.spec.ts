import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ControlPlaneDb } from './control-plane-db';
import { describeAlertingRepositoryContract } from './alerting.repository.contract';

/** The same contract on a PostgreSQL server when DATABASE_URL points at one (real concurrent claims). */
const serverUrl = process.env.DATABASE_URL;
const describeIfServer = serverUrl ? describe : describe.skip;

describeIfServer(`alerting repository on PostgreSQL (DATABASE_URL${serverUrl ? '' : ' not set: skipped'})`, () => {
  const name = `meridian_alerting_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const url = new URL(serverUrl as string);
    url.pathname = '/postgres';
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  afterAll(() => admin(`drop database if exists ${name} with (force)`));

  describeAlertingRepositoryContract(async () => {
    await admin(`create database ${name}`);
    const url = new URL(serverUrl as string);
    url.pathname = `/${name}`;
    return ControlPlaneDb.open({ databaseUrl: url.toString() });
  });
});
