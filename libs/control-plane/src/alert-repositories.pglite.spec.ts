import { ControlPlaneDb } from './control-plane-db';
import { describeAlertRepositoriesContract } from './alert-repositories.contract';

describe('alerting repositories on PGlite', () => {
  describeAlertRepositoriesContract(() => ControlPlaneDb.open({ pgliteDir: ':memory:' }));
});
