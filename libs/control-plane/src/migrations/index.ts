import type { Migration, MigrationProvider } from 'kysely';
import { migration0001Initial } from './0001-initial';
import { migration0002Accounts } from './0002-accounts';
import { migration0003Alerting } from './0003-alerting';
import { migration0004IngestLimitsUsage } from './0004-ingest-limits-usage';
import { migration0005SignupVerifications } from './0005-signup-verifications';

/**
 * Every control-plane migration, in order, for both engines. Kysely's Migrator applies them
 * by name and refuses to run when an applied name is missing here or out of order, so names
 * are append-only: add `0002_…` below, never rename or edit an applied one.
 */
export const CONTROL_PLANE_MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['0001_initial', migration0001Initial],
  ['0002_accounts', migration0002Accounts],
  ['0003_alerting', migration0003Alerting],
  ['0004_ingest_limits_usage', migration0004IngestLimitsUsage],
  ['0005_signup_verifications', migration0005SignupVerifications],
];

export const controlPlaneMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(CONTROL_PLANE_MIGRATIONS);
  },
};
