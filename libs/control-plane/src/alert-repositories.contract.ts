import { sql } from 'kysely';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { AlertChannelRepository } from './alert-channel.repository';
import { AlertRuleCapError, AlertRuleRepository } from './alert-rule.repository';
import type { ControlPlaneDb } from './control-plane-db';
import { TenantRepository } from './tenant.repository';

const DEFINITION = { metric: 'error_rate', direction: 'above', critical: 5, windowSeconds: 60, channels: [] };

/**
 * Fair claiming of rules, leasing of notifications, and the rule cap, on every control-plane engine (PGlite spec and, with
 * DATABASE_URL, the PostgreSQL spec). `open` returns a fresh database, not yet migrated.
 */
export function describeAlertRepositoriesContract(open: () => Promise<ControlPlaneDb>): void {
  let cp: ControlPlaneDb;
  let repo: AlertRuleRepository;
  let n = 0;

  beforeAll(async () => {
    cp = await open();
    await cp.migrate();
    repo = new AlertRuleRepository(cp);
  });
  afterAll(async () => {
    await cp?.close();
  });

  const tenant = async () =>
    new TenantRepository(cp.db).create({ slug: `rules-${++n}-${Date.now().toString(36)}`, name: 'Rules', region: 'test', retentionDays: 7 });
  /** `count` rules in the tenant, due `agoSeconds` ago (older than anything created later). */
  const rules = async (tenantId: string, count: number, agoSeconds: number) => {
    const ids: string[] = [];
    await cp.db.transaction().execute(async (trx) => {
      const r = new AlertRuleRepository(trx);
      for (let i = 0; i < count; i++) ids.push((await r.upsert(tenantId, { key: `r${i}`, name: `Rule ${i}`, enabled: true, definition: DEFINITION })).rule.id);
      await sql`update alert_rule_states set next_eval_at = now() - make_interval(secs => ${agoSeconds}) where tenant_id = ${tenantId}`.execute(trx);
    });
    return ids;
  };
  /** Leaves nothing due, so each test claims only what it creates. */
  const clear = () => sql`update alert_rule_states set next_eval_at = now() + interval '1 hour', lease_owner = null, lease_until = null`.execute(cp.db);

  describe('rules: claimDue', () => {
    beforeEach(clear);

    it("puts another tenant's rule in the next claim although a big tenant's backlog is older", async () => {
      const big = await tenant();
      const small = await tenant();
      await rules(big.id, 200, 600);
      const [mine] = await rules(small.id, 1, 1);

      const first = await repo.claimDue('replica-a', 30_000, 10, { perTenant: 4 });
      expect(first.map((c) => c.rule.id)).toContain(mine);
      expect(first.filter((c) => c.rule.tenantId === big.id)).toHaveLength(4);
      expect(first.find((c) => c.rule.id === mine)?.lateSeconds).toBeGreaterThanOrEqual(1);
      expect(Math.min(...first.filter((c) => c.rule.tenantId === big.id).map((c) => c.lateSeconds))).toBeGreaterThanOrEqual(600);
    });

    it('takes turns: every tenant once before any tenant twice; without a per-tenant cap the rest fills the claim', async () => {
      const big = await tenant();
      const others = await Promise.all([tenant(), tenant()]);
      await rules(big.id, 50, 600);
      for (const t of others) await rules(t.id, 2, 1);

      const two = await repo.claimDue('replica-a', 30_000, 3);
      expect(new Set(two.map((c) => c.rule.tenantId))).toEqual(new Set([big.id, ...others.map((t) => t.id)]));
      const rest = await repo.claimDue('replica-a', 30_000, 20);
      expect(rest).toHaveLength(20);
      expect(rest.filter((c) => c.rule.tenantId !== big.id)).toHaveLength(2);
    });

    it("counts a tenant's busy evaluations against its share, and never hands out a leased rule", async () => {
      const big = await tenant();
      const small = await tenant();
      await rules(big.id, 20, 600);
      const [mine] = await rules(small.id, 1, 1);

      const claimed = await repo.claimDue('replica-a', 30_000, 10, { perTenant: 4, busy: new Map([[big.id, 3]]) });
      expect(claimed.filter((c) => c.rule.tenantId === big.id)).toHaveLength(1);
      expect(claimed.map((c) => c.rule.id)).toContain(mine);
      const atCap = await repo.claimDue('replica-a', 30_000, 10, { perTenant: 4, busy: new Map([[big.id, 4]]) });
      expect(atCap).toEqual([]);

      // Another replica (nothing busy) takes big's next rules, never the two already leased.
      const other = await repo.claimDue('replica-b', 30_000, 100, { perTenant: 100 });
      expect(other).toHaveLength(19);
      expect(other.map((c) => c.rule.id)).not.toContain(mine);
      expect(await repo.claimDue('replica-a', 30_000, 100)).toEqual([]);
    });

    it('hands each due rule to one replica when replicas claim at the same time', async () => {
      const t = await tenant();
      await rules(t.id, 60, 10);
      const claims = await Promise.all(['a', 'b', 'c'].map((owner) => repo.claimDue(owner, 30_000, 30, { perTenant: 30 })));
      const ids = claims.flat().map((c) => c.rule.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThanOrEqual(30);
    });
  });

  describe('outbox: claimDue', () => {
    it('leases a due notification to one replica, and hands it out again once the attempt released it', async () => {
      const t = await tenant();
      const { channel } = await new AlertChannelRepository(cp).upsert(t.id, {
        key: 'hook',
        name: 'Hook',
        kind: 'webhook',
        settings: {},
        secretCiphertext: 'x',
        secretHint: 'h',
      });
      const outbox = new AlertOutboxRepository(cp);
      await outbox.enqueue(t.id, null, [{ channelId: channel.id, kind: 'test', payload: { n: 1 } }]);

      const [a, b] = await Promise.all(['replica-a', 'replica-b'].map((owner) => outbox.claimDue(owner, 30_000, 10)));
      const mine = [...a, ...b].filter((n) => n.tenantId === t.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ channel: { id: channel.id, key: 'hook', kind: 'webhook' }, payload: { n: 1 }, status: 'pending' });
      const holder = a.includes(mine[0]) ? 'replica-a' : 'replica-b';
      expect((await outbox.claimDue('replica-c', 30_000, 10)).filter((n) => n.tenantId === t.id)).toEqual([]);

      await outbox.recordAttempt(mine[0].id, holder, { ok: false, error: 'boom', retryAt: new Date(Date.now() - 1000) });
      const again = (await outbox.claimDue('replica-c', 30_000, 10)).filter((n) => n.tenantId === t.id);
      expect(again).toMatchObject([{ id: mine[0].id, attempts: 1, lastError: 'boom' }]);
    });
  });

  describe('rule cap', () => {
    it('refuses a new key at the cap, still replaces existing ones, and is not overrun by concurrent creates', async () => {
      const t = await tenant();
      const put = (key: string) => repo.upsert(t.id, { key, name: key, enabled: true, definition: DEFINITION }, { maxRules: 3 });
      await put('a');
      await put('b');
      await put('c');
      await expect(put('d')).rejects.toThrow(AlertRuleCapError);
      await expect(put('d')).rejects.toThrow('already has 3 alert rules, the most allowed (alerting.maxRulesPerTenant)');
      expect((await put('a')).created).toBe(false);

      const other = await tenant();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => repo.upsert(other.id, { key: `k${i}`, name: 'k', enabled: true, definition: DEFINITION }, { maxRules: 5 })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(
        Array.from({ length: 3 }, () => expect.any(AlertRuleCapError)),
      );
      expect(await repo.list(other.id)).toHaveLength(5);
    });
  });
}
