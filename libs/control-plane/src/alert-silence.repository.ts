import type { Selectable } from 'kysely';
import type { ControlPlaneSchema } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';

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

export interface NewAlertSilence {
  /** null: every rule of the tenant (a maintenance window). */
  ruleId: string | null;
  reason: string;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
}

/** Silences: while one is active, its rule (or the whole tenant) changes state without notifying. */
export class AlertSilenceRepository extends ControlPlaneRepository {
  async create(tenantId: string, s: NewAlertSilence): Promise<AlertSilenceRecord> {
    const row = await this.db
      .insertInto('alert_silences')
      .values({ tenant_id: tenantId, rule_id: s.ruleId, reason: s.reason, starts_at: s.startsAt, ends_at: s.endsAt, created_by: s.createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSilence(row);
  }

  async list(tenantId: string): Promise<AlertSilenceRecord[]> {
    const rows = await this.db.selectFrom('alert_silences').selectAll().where('tenant_id', '=', tenantId).orderBy('starts_at', 'desc').execute();
    return rows.map(toSilence);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
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

function toSilence(r: Selectable<ControlPlaneSchema['alert_silences']>): AlertSilenceRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    ruleId: r.rule_id,
    reason: r.reason,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}
