import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertRulesTable, AlertRuleStatesTable, AlertSeverity, AlertState, ControlPlaneSchema } from './control-plane-schema';
import { claimLeases, leaseFree, leaseReleased } from './alert-lease';
import { AlertOutboxRepository, type NewAlertNotification } from './alert-outbox.repository';
import { ControlPlaneRepository } from './control-plane-transactions';

export interface AlertRuleRecord {
  id: string;
  tenantId: string;
  key: string;
  name: string;
  enabled: boolean;
  /** As stored; readers parse it with the contract's `alertRuleDefinition`. */
  definition: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAlertRule {
  key: string;
  name: string;
  enabled: boolean;
  definition: Record<string, unknown>;
}

export interface AlertRuleStateRecord {
  ruleId: string;
  tenantId: string;
  state: AlertState;
  severity: AlertSeverity | null;
  since: Date | null;
  lastValue: number | null;
  lastEvalAt: Date | null;
  lastNotifiedAt: Date | null;
}

/** A rule an alerter replica holds the lease of, with what it needs to evaluate it. */
export interface ClaimedRule {
  rule: AlertRuleRecord;
  state: AlertRuleStateRecord;
  tenantSlug: string;
  region: string;
  /** How long after its due time the rule was claimed (database clock). */
  lateSeconds: number;
}

/** How `claimDue` shares a claim between tenants. */
export interface ClaimFairness {
  /** Rules of one tenant evaluating at once in this replica (those in `busy` count too). */
  perTenant: number;
  /** Rules per tenant id this replica is evaluating now (their leases are held). */
  busy?: ReadonlyMap<string, number>;
}

/** Creating a rule would take the tenant over `alerting.maxRulesPerTenant`. */
export class AlertRuleCapError extends Error {
  constructor(readonly cap: number) {
    super(`the tenant already has ${cap} alert rules, the most allowed (alerting.maxRulesPerTenant); delete rules or reuse an existing key`);
    this.name = 'AlertRuleCapError';
  }
}

export interface AlertEventRecord {
  id: string;
  ruleId: string;
  fromState: string;
  toState: string;
  severity: AlertSeverity | null;
  value: number | null;
  threshold: number | null;
  at: Date;
}

/** What one evaluation decided, written atomically and only while the lease is still held. */
export interface EvaluationOutcome {
  state: AlertState;
  severity: AlertSeverity | null;
  since: Date | null;
  lastValue: number | null;
  lastNotifiedAt: Date | null;
  /** Next evaluation this long after now, by the database's clock (the one claims compare with). */
  nextEvalInMs: number;
  event?: { fromState: string; toState: string; severity: AlertSeverity | null; value: number | null; threshold: number | null };
  notifications: NewAlertNotification[];
}

/**
 * Alert rules, their state (with the lease that shards rules across alerter replicas) and their
 * history. Every tenant-facing method takes the tenant id and filters by it; only the alerter's
 * `claimDue` and `saveEvaluation` work across tenants.
 */
export class AlertRuleRepository extends ControlPlaneRepository {
  async list(tenantId: string): Promise<AlertRuleRecord[]> {
    const rows = await this.db.selectFrom('alert_rules').selectAll().where('tenant_id', '=', tenantId).orderBy('key').execute();
    return rows.map(toRule);
  }

  /** Every rule of the tenant with its state, in one query. */
  async listWithState(tenantId: string): Promise<Array<{ rule: AlertRuleRecord; state: AlertRuleStateRecord | undefined }>> {
    const rows = await this.db
      .selectFrom('alert_rules as r')
      .leftJoin('alert_rule_states as s', 's.rule_id', 'r.id')
      .selectAll('r')
      .select(['s.rule_id', 's.state', 's.severity', 's.since', 's.last_value', 's.last_eval_at', 's.last_notified_at'])
      .where('r.tenant_id', '=', tenantId)
      .orderBy('r.key')
      .execute();
    return rows.map((row) => ({
      rule: toRule(row),
      state: row.rule_id === null ? undefined : toState({ ...row, rule_id: row.rule_id, state: row.state ?? 'ok' }),
    }));
  }

  async get(tenantId: string, id: string): Promise<AlertRuleRecord | undefined> {
    const row = await this.db.selectFrom('alert_rules').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRule(row);
  }

  /**
   * Inserts, or replaces the rule with the same key; a changed rule is evaluated at once. With
   * `maxRules`, a new key is refused (AlertRuleCapError) when the tenant has that many rules: the
   * tenant row is locked first, so concurrent creates are counted one after the other.
   */
  async upsert(tenantId: string, r: NewAlertRule, limits: { maxRules?: number } = {}): Promise<{ rule: AlertRuleRecord; created: boolean }> {
    return inTransaction(this.db, async (trx) => {
      if (limits.maxRules !== undefined) {
        await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).forUpdate().execute();
        const exists = await trx.selectFrom('alert_rules').select('id').where('tenant_id', '=', tenantId).where('key', '=', r.key).executeTakeFirst();
        if (!exists) {
          const { n } = await trx
            .selectFrom('alert_rules')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('tenant_id', '=', tenantId)
            .executeTakeFirstOrThrow();
          if (Number(n) >= limits.maxRules) throw new AlertRuleCapError(limits.maxRules);
        }
      }
      const row = await trx
        .insertInto('alert_rules')
        .values({ tenant_id: tenantId, key: r.key, name: r.name, enabled: r.enabled, definition: JSON.stringify(r.definition) })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'key'])
            .doUpdateSet({ name: r.name, enabled: r.enabled, definition: JSON.stringify(r.definition), updated_at: sql<Date>`now()` }),
        )
        .returningAll()
        .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('alert_rule_states')
        .values({ rule_id: row.id, tenant_id: tenantId })
        .onConflict((oc) => oc.column('rule_id').doUpdateSet({ next_eval_at: sql<Date>`now()` }))
        .execute();
      return { rule: toRule(row), created: row.inserted };
    });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_rules').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async getState(tenantId: string, ruleId: string): Promise<AlertRuleStateRecord | undefined> {
    const row = await this.db.selectFrom('alert_rule_states').selectAll().where('tenant_id', '=', tenantId).where('rule_id', '=', ruleId).executeTakeFirst();
    return row && toState(row);
  }

  /** Rules currently firing, with their state. */
  async listFiring(tenantId: string): Promise<Array<{ rule: AlertRuleRecord; state: AlertRuleStateRecord }>> {
    const rows = await this.db
      .selectFrom('alert_rule_states as s')
      .innerJoin('alert_rules as r', 'r.id', 's.rule_id')
      .selectAll('s')
      .select(['r.id', 'r.key', 'r.name', 'r.enabled', 'r.definition', 'r.created_at', 'r.updated_at'])
      .where('s.tenant_id', '=', tenantId)
      .where('s.state', '=', 'firing')
      .orderBy('s.since')
      .execute();
    return rows.map((row) => ({ rule: toRule(row), state: toState(row) }));
  }

  async listEvents(tenantId: string, ruleId: string, limit: number): Promise<AlertEventRecord[]> {
    const rows = await this.db
      .selectFrom('alert_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('rule_id', '=', ruleId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      ruleId: r.rule_id,
      fromState: r.from_state,
      toState: r.to_state,
      severity: r.severity,
      value: r.value,
      threshold: r.threshold,
      at: r.at,
    }));
  }

  // --- evaluation leases ------------------------------------------------------------------------
  /**
   * Takes the lease of up to `limit` rules due for evaluation, round-robin by tenant: every
   * tenant's most overdue rule comes before any tenant's second, and a tenant gets at most
   * `perTenant` minus what it has `busy`. So one tenant's thousands of due rules take their turns
   * and never push another tenant's rule back by more than a turn.
   */
  async claimDue(owner: string, leaseMs: number, limit: number, fairness: ClaimFairness = { perTenant: limit }): Promise<ClaimedRule[]> {
    const busy = JSON.stringify([...(fairness.busy ?? new Map<string, number>())].map(([tenant_id, n]) => ({ tenant_id, n })));
    const claimed = await claimLeases<{ rule_id: string; late_seconds: number }>(this.db, owner, leaseMs, {
      table: 'alert_rule_states',
      key: 'rule_id',
      with: sql`
        with due as (
          select d.rule_id, d.next_eval_at,
                 row_number() over (partition by d.tenant_id order by d.next_eval_at, d.rule_id) + coalesce(b.n, 0) as turn
          from alert_rule_states d
          left join json_to_recordset(${busy}::json) as b(tenant_id uuid, n int) on b.tenant_id = d.tenant_id
          where d.next_eval_at <= now() and ${leaseFree}
        ), pick as (
          select rule_id from due where turn <= ${fairness.perTenant} order by turn, next_eval_at limit ${limit}
        )`,
      due: sql`rule_id in (select rule_id from pick) and next_eval_at <= now()`,
      returning: sql`rule_id, extract(epoch from now() - next_eval_at)::float8 as late_seconds`,
    });
    const ids = claimed.map((r) => r.rule_id);
    if (ids.length === 0) return [];
    const late = new Map(claimed.map((r) => [r.rule_id, Number(r.late_seconds)]));
    const rows = await this.db
      .selectFrom('alert_rule_states as s')
      .innerJoin('alert_rules as r', 'r.id', 's.rule_id')
      .innerJoin('tenants as t', 't.id', 's.tenant_id')
      .selectAll('s')
      .select(['r.id', 'r.key', 'r.name', 'r.enabled', 'r.definition', 'r.created_at', 'r.updated_at', 't.slug', 't.region'])
      .where('s.rule_id', 'in', ids)
      .execute();
    return rows.map((row) => ({ rule: toRule(row), state: toState(row), tenantSlug: row.slug, region: row.region, lateSeconds: late.get(row.rule_id) ?? 0 }));
  }

  /**
   * Writes an evaluation's outcome (state, history event, notifications into the outbox) in one
   * transaction if `owner` still holds the lease; false when it was lost.
   */
  async saveEvaluation(ruleId: string, owner: string, o: EvaluationOutcome): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const held = await trx
        .updateTable('alert_rule_states')
        .set({
          state: o.state,
          severity: o.severity,
          since: o.since,
          last_value: o.lastValue,
          last_eval_at: sql<Date>`now()`,
          last_notified_at: o.lastNotifiedAt,
          next_eval_at: sql<Date>`now() + make_interval(secs => ${o.nextEvalInMs / 1000})`,
          ...leaseReleased,
        })
        .where('rule_id', '=', ruleId)
        .where('lease_owner', '=', owner)
        .returning('tenant_id')
        .executeTakeFirst();
      if (!held) return false;
      if (o.event) {
        await trx
          .insertInto('alert_events')
          .values({
            tenant_id: held.tenant_id,
            rule_id: ruleId,
            from_state: o.event.fromState,
            to_state: o.event.toState,
            severity: o.event.severity,
            value: o.event.value,
            threshold: o.event.threshold,
          })
          .execute();
      }
      await new AlertOutboxRepository(trx).enqueue(held.tenant_id, ruleId, o.notifications);
      return true;
    });
  }
}

/** Runs `fn` in a transaction, or in the caller's when the repository already runs in one. */
function inTransaction<T>(db: Kysely<ControlPlaneSchema>, fn: (trx: Kysely<ControlPlaneSchema>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

function toRule(
  r: Pick<Selectable<AlertRulesTable>, 'id' | 'key' | 'name' | 'enabled' | 'definition' | 'created_at' | 'updated_at'> & { tenant_id: string },
): AlertRuleRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    key: r.key,
    name: r.name,
    enabled: r.enabled,
    definition: r.definition,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toState(r: Omit<Selectable<AlertRuleStatesTable>, 'next_eval_at' | 'lease_owner' | 'lease_until'>): AlertRuleStateRecord {
  return {
    ruleId: r.rule_id,
    tenantId: r.tenant_id,
    state: r.state,
    severity: r.severity,
    since: r.since,
    lastValue: r.last_value,
    lastEvalAt: r.last_eval_at,
    lastNotifiedAt: r.last_notified_at,
  };
}
