import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { AlertChannelRepository, AlertOutboxRepository, AlertRuleRepository, AlertSilenceRepository, ControlPlaneDb } from '@meridian/control-plane';
import { AlertQueries } from '@meridian/storage-clickhouse';
import { openTestClickHouse, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { ChannelSender, SecretBox } from '@meridian/alert-channels';
import { Alerter } from './alerter';

/**
 * Stopping while the control plane does not answer: a transaction holds PGlite's one connection,
 * so the evaluation loop's claim waits (up to the driver's 30 s). stop() must return after its
 * own wait, naming what it left behind, instead of holding up the server's shutdown.
 * Real parts: control plane on PGlite, embedded ClickHouse.
 */
describe('Alerter.stop', () => {
  let ch: TestClickHouse;
  let cp: ControlPlaneDb;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    cp = await ControlPlaneDb.open();
    await cp.migrate();
  }, 60_000);
  afterAll(async () => {
    await cp?.close();
    await ch?.close();
  });

  it('returns after its wait while an evaluation loop is stuck on the control plane, and says so', async () => {
    const lines: string[] = [];
    const alerter = new Alerter({
      rules: new AlertRuleRepository(cp),
      channels: new AlertChannelRepository(cp),
      outbox: new AlertOutboxRepository(cp),
      silences: new AlertSilenceRepository(cp),
      queries: new AlertQueries(ch.clients),
      box: new SecretBox(randomBytes(32)),
      sender: new ChannelSender({ allowTargets: [] }),
      publicUrl: 'https://meridian.example.com',
      evaluationIntervalMs: 300,
      evaluationConcurrency: 4,
      tenantEvaluationConcurrency: 2,
      retryInitialMs: 1_000,
      maxAttempts: 2,
      stopWaitMs: 500,
      log: (level, line) => lines.push(`${level}: ${line}`),
    });

    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const blocker = cp.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      held();
      await new Promise<void>((r) => (release = r));
    });
    await holding;
    let released = false;
    try {
      alerter.start(); // both loops now wait for the connection the transaction holds
      await alerter.stop();
      expect(released).toBe(false);
      expect(lines).toEqual([expect.stringMatching(/^warn: alerter stopped with 2 loop\(s\) still waiting after 500 ms .*leases expire/)]);
    } finally {
      released = true;
      release();
      await blocker;
      await alerter.stop(); // the loops finish once the control plane answers
    }
  }, 20_000);
});
