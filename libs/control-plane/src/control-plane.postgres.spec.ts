import { freshPostgresDatabase, testPostgresUrl } from '@meridian/testing';
import { ControlPlaneDb } from './control-plane-db';
import { describeControlPlaneContract } from './control-plane.contract';
import { CONTROL_PLANE_MIGRATIONS } from './migrations';

/**
 * The same contract on a PostgreSQL server: DATABASE_URL, else the machine's own. An
 * unreachable server fails these tests with a message saying how to start it; they never skip.
 * Each run creates its own databases and drops them afterwards, so parallel runs never share state.
 */
describe('control plane on PostgreSQL', () => {
  const drops: Array<() => Promise<void>> = [];
  const freshDatabase = async () => {
    const { url, drop } = await freshPostgresDatabase(testPostgresUrl(), 'meridian_cp_test');
    drops.push(drop);
    return url;
  };
  afterAll(async () => {
    for (const drop of drops) await drop();
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
      expect(applied.flat()).toEqual(CONTROL_PLANE_MIGRATIONS.map(([name]) => name));
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('fails to open with the server named and no password in the message', async () => {
    const url = new URL(testPostgresUrl());
    url.password = 'hunter2';
    url.port = '1';
    const attempt = ControlPlaneDb.open({ databaseUrl: url.toString() });
    await expect(attempt).rejects.toThrow(`failed to open the control-plane database (postgres at postgres://${url.hostname}:1${url.pathname})`);
    await expect(attempt).rejects.not.toThrow('hunter2');
  });
});
