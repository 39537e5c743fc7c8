import { ControlPlaneDb } from './control-plane-db';
import { describeAlertingRepositoryContract } from './alerting.repository.contract';
import { LOCAL_TEST_POSTGRES_URL, postgresTestServer } from './postgres-test-server';

/**
 * The same contract on a PostgreSQL server (real concurrent claims): DATABASE_URL, else the
 * machine's own. An unreachable server fails these tests with a message; they never skip.
 */
const serverUrl = process.env.DATABASE_URL || LOCAL_TEST_POSTGRES_URL;

describe('alerting repository on PostgreSQL', () => {
  const server = postgresTestServer(serverUrl);
  afterAll(() => server.dropAll());

  describeAlertingRepositoryContract(async () => ControlPlaneDb.open({ databaseUrl: await server.freshDatabase('meridian_alerting_test') }));
});
