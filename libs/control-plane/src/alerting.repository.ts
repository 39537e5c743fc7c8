import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  AlertChannelKind,
  AlertChannelsTable,
  AlertNotificationKind,
  AlertNotificationStatus,
  AlertRulesTable,
  AlertRuleStatesTable,
  AlertSeverity,
  AlertState,
  ControlPlaneSchema,
} from './control-plane-schema';
import { executorOf, type ControlPlaneExecutor } from './control-plane-db';

export interface AlertChannelRecord {
  id: string;
  tenantId: string;
  key: string;
  name: string;
  kind: AlertChannelKind;
  settings: Record<string, unknown>;
  secretCiphertext: string;
  secretHint: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAlertChannel {
  key: string;
  name: string;
  kind: AlertChannelKind;
  settings: Record<string, unknown>;
  secretCiphertext: string;
  secretHint: string;
}

export interface AlertRuleRecord {
  id: string;
  tenantId: string;
  key: string;
  name: string;
  enabled: boolean;
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

/** How `claimDueRules` shares a claim between tenants. */
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

export interface NewAlertNotification {
  channelId: string;
  kind: AlertNotificationKind;
  payload: Record<string, unknown>;
}

export interface AlertNotificationRecord {
  id: string;
  tenantId: string;
  ruleId: string | null;
  channelId: string;
  kind: AlertNotificationKind;
  payload: Record<string, unknown>;
  status: AlertNotificationStatus;
  attempts: number;
  lastError: string;
  createdAt: Date;
  sentAt: Date | null;
}

export interface AlertSilenceRecord {
  id: string;
  tenantId: string;
  ruleId: string | null;
  reason: string;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  createdAt: Date;
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
 * Alert channels, rules, rule state (with the lease that shards rules across alerter replicas),
 * history, the notification outbox and silences. Every tenant-facing method takes the tenant id
 * and filters by it; only the alerter's claim methods work across tenants.
 */
export class AlertingRepository {
  private readonly db: Kysely<ControlPlaneSchema>;

  constructor(source: ControlPlaneExecutor) {
    this.db = executorOf(source);
  }

  // --- channels -----------------------------------------------------------------------------
  async listChannels(tenantId: string): Promise<AlertChannelRecord[]> {
    const rows = await this.db.selectFrom('alert_channels').selectAll().where('tenant_id', '=', tenantId).orderBy('key').execute();
    return rows.map(toChannel);
  }

  async getChannel(tenantId: string, id: string): Promise<AlertChannelRecord | undefined> {
    const row = await this.db.selectFrom('alert_channels').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toChannel(row);
  }

  /** Inserts, or replaces the channel with the same client-chosen key (idempotent import). */
  async upsertChannel(tenantId: string, c: NewAlertChannel): Promise<{ channel: AlertChannelRecord; created: boolean }> {
    const row = await this.db
      .insertInto('alert_channels')
      .values({ tenant_id: tenantId, key: c.key, name: c.name, kind: c.kind, settings: JSON.stringify(c.settings), secret_ciphertext: c.secretCiphertext, secret_hint: c.secretHint })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet({
          name: c.name,
          kind: c.kind,
          settings: JSON.stringify(c.settings),
          secret_ciphertext: c.secretCiphertext,
          secret_hint: c.secretHint,
          updated_at: sql<Date>`now()`,
        }),
      )
      .returningAll()
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .executeTakeFirstOrThrow();
    return { channel: toChannel(row), created: row.inserted };
  }

  async deleteChannel(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_channels').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  // --- rules --------------------------------------------------------------------------------
  async listRules(tenantId: string): Promise<AlertRuleRecord[]> {
    const rows = await this.db.selectFrom('alert_rules').selectAll().where('tenant_id', '=', tenantId).orderBy('key').execute();
    return rows.map(toRule);
  }

  /** Every rule of the tenant with its state, in one query. */
  async listRulesWithState(tenantId: string): Promise<Array<{ rule: AlertRuleRecord; state: AlertRuleStateRecord | undefined }>> {
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

  async getRule(tenantId: string, id: string): Promise<AlertRuleRecord | undefined> {
    const row = await this.db.selectFrom('alert_rules').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toRule(row);
  }

  /**
   * Inserts, or replaces the rule with the same key; a changed rule is evaluated at once. With
   * `maxRules`, a new key is refused (AlertRuleCapError) when the tenant has that many rules: the
   * tenant row is locked first, so concurrent creates are counted one after the other.
   */
  async upsertRule(tenantId: string, r: NewAlertRule, limits: { maxRules?: number } = {}): Promise<{ rule: AlertRuleRecord; created: boolean }> {
    return inTransaction(this.db, async (trx) => {
      if (limits.maxRules !== undefined) {
        await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).forUpdate().execute();
        const exists = await trx.selectFrom('alert_rules').select('id').where('tenant_id', '=', tenantId).where('key', '=', r.key).executeTakeFirst();
        if (!exists) {
          const { n } = await trx.selectFrom('alert_rules').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
          if (Number(n) >= limits.maxRules) throw new AlertRuleCapError(limits.maxRules);
        }
      }
      const row = await trx
        .insertInto('alert_rules')
        .values({ tenant_id: tenantId, key: r.key, name: r.name, enabled: r.enabled, definition: JSON.stringify(r.definition) })
        .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet({ name: r.name, enabled: r.enabled, definition: JSON.stringify(r.definition), updated_at: sql<Date>`now()` }))
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

  async deleteRule(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_rules').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async getRuleState(tenantId: string, ruleId: string): Promise<AlertRuleStateRecord | undefined> {
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

  // --- evaluation leases ------------------------------------------------------------------------
  /**
   * Takes the lease of up to `limit` rules due for evaluation whose lease is free or expired,
   * round-robin by tenant: every tenant's most overdue rule comes before any tenant's second,
   * and a tenant gets at most `perTenant` minus what it has `busy`. So one tenant's thousands
   * of due rules take their turns and never push another tenant's rule back by more than a turn.
   * `for update skip locked` lets replicas claim concurrently without taking the same rule; the
   * lease condition is checked again on the locked row, so a rule just claimed elsewhere is skipped.
   */
  async claimDueRules(owner: string, leaseMs: number, limit: number, fairness: ClaimFairness = { perTenant: limit }): Promise<ClaimedRule[]> {
    const busy = JSON.stringify([...(fairness.busy ?? new Map<string, number>())].map(([tenant_id, n]) => ({ tenant_id, n })));
    const claimed = await sql<{ rule_id: string; late_seconds: number }>`
      with due as (
        select d.rule_id, d.next_eval_at,
               row_number() over (partition by d.tenant_id order by d.next_eval_at, d.rule_id) + coalesce(b.n, 0) as turn
        from alert_rule_states d
        left join json_to_recordset(${busy}::json) as b(tenant_id uuid, n int) on b.tenant_id = d.tenant_id
        where d.next_eval_at <= now() and (d.lease_until is null or d.lease_until < now())
      ), pick as (
        select rule_id from due where turn <= ${fairness.perTenant} order by turn, next_eval_at limit ${limit}
      )
      update alert_rule_states set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      where rule_id in (
        select rule_id from alert_rule_states
        where rule_id in (select rule_id from pick) and next_eval_at <= now() and (lease_until is null or lease_until < now())
        for update skip locked)
      returning rule_id, extract(epoch from now() - next_eval_at)::float8 as late_seconds`.execute(this.db);
    const ids = claimed.rows.map((r) => r.rule_id);
    if (ids.length === 0) return [];
    const late = new Map(claimed.rows.map((r) => [r.rule_id, Number(r.late_seconds)]));
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

  /** Writes an evaluation's outcome if `owner` still holds the lease; false when it was lost. */
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
          lease_owner: null,
          lease_until: null,
        })
        .where('rule_id', '=', ruleId)
        .where('lease_owner', '=', owner)
        .returning('tenant_id')
        .executeTakeFirst();
      if (!held) return false;
      if (o.event) {
        await trx
          .insertInto('alert_events')
          .values({ tenant_id: held.tenant_id, rule_id: ruleId, from_state: o.event.fromState, to_state: o.event.toState, severity: o.event.severity, value: o.event.value, threshold: o.event.threshold })
          .execute();
      }
      if (o.notifications.length) {
        await trx
          .insertInto('alert_notifications')
          .values(o.notifications.map((n) => ({ tenant_id: held.tenant_id, rule_id: ruleId, channel_id: n.channelId, kind: n.kind, payload: JSON.stringify(n.payload) })))
          .execute();
      }
      return true;
    });
  }

  async listEvents(tenantId: string, ruleId: string, limit: number): Promise<AlertEventRecord[]> {
    const rows = await this.db.selectFrom('alert_events').selectAll().where('tenant_id', '=', tenantId).where('rule_id', '=', ruleId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, ruleId: r.rule_id, fromState: r.from_state, toState: r.to_state, severity: r.severity, value: r.value, threshold: r.threshold, at: r.at }));
  }

  // --- notification outbox ----------------------------------------------------------------------
  async enqueueNotification(tenantId: string, n: NewAlertNotification): Promise<string> {
    const row = await this.db
      .insertInto('alert_notifications')
      .values({ tenant_id: tenantId, rule_id: null, channel_id: n.channelId, kind: n.kind, payload: JSON.stringify(n.payload) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Leases pending notifications that are due (see claimDueRules). */
  async claimDueNotifications(owner: string, leaseMs: number, limit: number): Promise<Array<AlertNotificationRecord & { channel: AlertChannelRecord }>> {
    const claimed = await sql<{ id: string }>`
      update alert_notifications set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      where id in (
        select id from alert_notifications
        where status = 'pending' and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at limit ${limit}
        for update skip locked)
      returning id`.execute(this.db);
    const ids = claimed.rows.map((r) => r.id);
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('alert_notifications as n')
      .innerJoin('alert_channels as c', 'c.id', 'n.channel_id')
      .selectAll('n')
      .select(['c.key', 'c.name', 'c.kind as channel_kind', 'c.settings', 'c.secret_ciphertext', 'c.secret_hint', 'c.created_at as c_created_at', 'c.updated_at as c_updated_at'])
      .where('n.id', 'in', ids)
      .execute();
    return rows.map((r) => ({
      ...toNotification(r),
      channel: {
        id: r.channel_id,
        tenantId: r.tenant_id,
        key: r.key,
        name: r.name,
        kind: r.channel_kind,
        settings: r.settings,
        secretCiphertext: r.secret_ciphertext,
        secretHint: r.secret_hint,
        createdAt: r.c_created_at,
        updatedAt: r.c_updated_at,
      },
    }));
  }

  /** Records one delivery attempt: sent, retry at `retryAt`, or (no retryAt) failed for good. */
  async recordAttempt(id: string, owner: string, result: { ok: true } | { ok: false; error: string; retryAt?: Date }): Promise<void> {
    const base = this.db
      .updateTable('alert_notifications')
      .where('id', '=', id)
      .where('lease_owner', '=', owner);
    if (result.ok) {
      await base.set({ status: 'sent', sent_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1`, lease_owner: null, lease_until: null }).execute();
    } else {
      await base
        .set({
          status: result.retryAt ? 'pending' : 'failed',
          next_attempt_at: result.retryAt ?? sql<Date>`now()`,
          last_error: result.error.slice(0, 1000),
          attempts: sql<number>`attempts + 1`,
          lease_owner: null,
          lease_until: null,
        })
        .execute();
    }
  }

  async getNotification(tenantId: string, id: string): Promise<AlertNotificationRecord | undefined> {
    const row = await this.db.selectFrom('alert_notifications').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toNotification(row);
  }

  async listNotifications(tenantId: string, q: { status?: AlertNotificationStatus; ruleId?: string; limit: number }): Promise<AlertNotificationRecord[]> {
    let query = this.db.selectFrom('alert_notifications').selectAll().where('tenant_id', '=', tenantId);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.ruleId) query = query.where('rule_id', '=', q.ruleId);
    const rows = await query.orderBy('created_at', 'desc').limit(q.limit).execute();
    return rows.map(toNotification);
  }

  // --- silences -------------------------------------------------------------------------------
  async createSilence(tenantId: string, s: { ruleId: string | null; reason: string; startsAt: Date; endsAt: Date; createdBy: string }): Promise<AlertSilenceRecord> {
    const row = await this.db
      .insertInto('alert_silences')
      .values({ tenant_id: tenantId, rule_id: s.ruleId, reason: s.reason, starts_at: s.startsAt, ends_at: s.endsAt, created_by: s.createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSilence(row);
  }

  async listSilences(tenantId: string): Promise<AlertSilenceRecord[]> {
    const rows = await this.db.selectFrom('alert_silences').selectAll().where('tenant_id', '=', tenantId).orderBy('starts_at', 'desc').execute();
    return rows.map(toSilence);
  }

  async deleteSilence(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_silences').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Whether a silence covering the whole tenant or this rule is active at `at`. */
  async isSilenced(tenantId: string, ruleId: string, at: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom('alert_silences')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('rule_id', 'is', null), eb('rule_id', '=', ruleId)]))
      .where('starts_at', '<=', at)
      .where('ends_at', '>', at)
      .executeTakeFirst();
    return row !== undefined;
  }
}

/** Runs `fn` in a transaction, or in the caller's when the repository already runs in one. */
function inTransaction<T>(db: Kysely<ControlPlaneSchema>, fn: (trx: Kysely<ControlPlaneSchema>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

function toChannel(r: Selectable<AlertChannelsTable>): AlertChannelRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    key: r.key,
    name: r.name,
    kind: r.kind,
    settings: r.settings,
    secretCiphertext: r.secret_ciphertext,
    secretHint: r.secret_hint,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRule(r: Pick<Selectable<AlertRulesTable>, 'id' | 'key' | 'name' | 'enabled' | 'definition' | 'created_at' | 'updated_at'> & { tenant_id: string }): AlertRuleRecord {
  return { id: r.id, tenantId: r.tenant_id, key: r.key, name: r.name, enabled: r.enabled, definition: r.definition, createdAt: r.created_at, updatedAt: r.updated_at };
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

function toNotification(r: Selectable<ControlPlaneSchema['alert_notifications']>): AlertNotificationRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    ruleId: r.rule_id,
    channelId: r.channel_id,
    kind: r.kind,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

function toSilence(r: Selectable<ControlPlaneSchema['alert_silences']>): AlertSilenceRecord {
  return { id: r.id, tenantId: r.tenant_id, ruleId: r.rule_id, reason: r.reason, startsAt: r.starts_at, endsAt: r.ends_at, createdBy: r.created_by, createdAt: r.created_at };
}
