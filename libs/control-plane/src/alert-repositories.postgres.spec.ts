import { freshPostgresDatabase, testPostgresUrl } from '@meridian/testing';
import { ControlPlaneDb } from './control-plane-db';
import { describeAlertRepositoriesContract } from './alert-repositories.contract';

/**
 * The same contract on a PostgreSQL server (real concurrent claims): DATABASE_URL, else the
 * machine's own. An unreachable server fails these tests with a message; they never skip.
 */
describe('alerting repositories on PostgreSQL', () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  describeAlertRepositoriesContract(async () => {
    const { url, drop } = await freshPostgresDatabase(testPostgresUrl(), 'meridian_alerting_test');
    drops.push(drop);
    return ControlPlaneDb.open({ databaseUrl: url });
  });
});
