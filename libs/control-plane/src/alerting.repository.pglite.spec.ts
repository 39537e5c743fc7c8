import { ControlPlaneDb } from './control-plane-db';
import { describeAlertingRepositoryContract } from './alerting.repository.contract';

describe('alerting repository on PGlite', () => {
  describeAlertingRepositoryContract(() => ControlPlaneDb.open({ pgliteDir: ':memory:' }));
});
