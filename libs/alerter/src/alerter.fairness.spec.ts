import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleRepository,
  AlertSilenceRepository,
  ControlPlaneDb,
  TenantRepository,
} from '@meridian/control-plane';
import { createSelfMetrics, exposition } from '@meridian/self-metrics';
import { AlertQueries, RowWriter } from '@meridian/storage-clickhouse';
import { makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { ChannelSender, SecretBox } from '@meridian/alert-channels';
import { Alerter } from './alerter';

/**
 * A noisy tenant with 4,000 rules, all overdue, against a quiet tenant with one: the quiet
 * tenant's rule must be evaluated within one interval of falling due, while the noisy backlog
 * is still being worked off. Real parts: control plane on PGlite, measurements on embedded
 * ClickHouse.
 */
describe('alerter fairness across tenants', () => {
  const INTERVAL_MS = 30_000;
  const NOISY_RULES = 4_000;
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

  const definition = {
    metric: 'hitmap_horizontal',
    direction: 'above',
    service: 'checkout',
    warning: 5,
    critical: 10,
    windowSeconds: 30,
    forSeconds: 0,
    renotifySeconds: 0,
    hysteresisPercent: 10,
    slowMs: 1000,
    channels: [],
  };

  it("evaluates a quiet tenant's new rule within one interval although another tenant has 4,000 overdue rules", async () => {
    const tenants = new TenantRepository(cp.db);
    const noisy = await tenants.create({ slug: `noisy-${randomBytes(3).toString('hex')}`, name: 'Noisy', region: 'test', retentionDays: 7 });
    const quiet = await tenants.create({ slug: `quiet-${randomBytes(3).toString('hex')}`, name: 'Quiet', region: 'test', retentionDays: 7 });
    // In bulk (the rule cap is the API's business, not this test's), all overdue by 10 minutes.
    await sql`insert into alert_rules (tenant_id, key, name, definition)
              select ${noisy.id}, 'noisy-' || i, 'Noisy ' || i, ${JSON.stringify(definition)}::jsonb from generate_series(1, ${NOISY_RULES}) as i`.execute(
      cp.db,
    );
    await sql`insert into alert_rule_states (rule_id, tenant_id, next_eval_at)
              select id, tenant_id, now() - interval '10 minutes' from alert_rules where tenant_id = ${noisy.id}`.execute(cp.db);
    // Slow hits of the quiet tenant in three 5 s columns: its rule must measure 15 s, i.e. really query ClickHouse.
    const rows = [0, 5, 10].map((ago) => makeSpanRow({ tenant_id: quiet.id, startNanos: nowNanos(BigInt(-(ago + 2) * 1e9)), durationMs: 2000 }));
    await new RowWriter(ch.clients).insert('test', 'spans', toRowBody('spans', rows), `fairness-${randomBytes(4).toString('hex')}`);

    const metrics = createSelfMetrics();
    const alerter = new Alerter({
      rules: new AlertRuleRepository(cp),
      channels: new AlertChannelRepository(cp),
      outbox: new AlertOutboxRepository(cp),
      silences: new AlertSilenceRepository(cp),
      queries: new AlertQueries(ch.clients),
      box: new SecretBox(randomBytes(32)),
      sender: new ChannelSender({ allowTargets: [] }),
      publicUrl: 'https://meridian.example.com',
      evaluationIntervalMs: INTERVAL_MS,
      evaluationConcurrency: 16,
      tenantEvaluationConcurrency: 4,
      retryInitialMs: 1_000,
      maxAttempts: 2,
      metrics,
    });
    const evaluatedOf = async (tenantId: string) =>
      Number(
        (
          await cp.db
            .selectFrom('alert_rule_states')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('tenant_id', '=', tenantId)
            .where('last_eval_at', 'is not', null)
            .executeTakeFirstOrThrow()
        ).n,
      );

    alerter.start();
    try {
      // The noisy backlog is being worked off when the quiet tenant's rule falls due.
      const deadline = Date.now() + 20_000;
      while ((await evaluatedOf(noisy.id)) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const { rule } = await new AlertRuleRepository(cp).upsert(quiet.id, { key: 'checkout-slow', name: 'Checkout is slow', enabled: true, definition });
      const due = Date.now();

      let state = await new AlertRuleRepository(cp).getState(quiet.id, rule.id);
      while (!state?.lastEvalAt && Date.now() - due < INTERVAL_MS) {
        await new Promise((r) => setTimeout(r, 20));
        state = await new AlertRuleRepository(cp).getState(quiet.id, rule.id);
      }
      const waitedMs = Date.now() - due;
      const noisyDone = await evaluatedOf(noisy.id);

      expect(state).toMatchObject({ state: 'firing', lastValue: 15 });
      expect(waitedMs).toBeLessThan(INTERVAL_MS);
      // It went ahead of the backlog: most of the noisy tenant's overdue rules were still waiting.
      expect(noisyDone).toBeLessThan(NOISY_RULES / 2);

      const text = await exposition(metrics, { perTenant: false });
      const count = Number(/^meridian_alert_evaluation_delay_seconds_count (\d+)/m.exec(text)?.[1]);
      expect(count).toBeGreaterThanOrEqual(noisyDone);
      // The noisy rules were claimed 10 minutes late, the quiet one within a second of falling due (no tenant label).
      expect(text).toMatch(/^meridian_alert_evaluation_delay_seconds_bucket\{le="1"\} 1$/m);
      expect(text).toMatch(/^meridian_alert_evaluation_delay_seconds_bucket\{le="300"\} 1$/m);
      expect(text).not.toContain(noisy.id);
    } finally {
      await alerter.stop();
    }
  }, 120_000);
});
