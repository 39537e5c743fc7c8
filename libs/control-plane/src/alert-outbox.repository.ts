import { sql, type Selectable } from 'kysely';
import type { AlertNotificationKind, AlertNotificationStatus, ControlPlaneSchema } from './control-plane-schema';
import { toChannel, type AlertChannelRecord } from './alert-channel.repository';
import { claimLeases, leaseReleased } from './alert-lease';
import { ControlPlaneRepository } from './control-plane-transactions';

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

/**
 * The notification outbox: messages written with the rule transition that caused them, then
 * leased and delivered (with retries) by the alerter, so a restart neither loses nor repeats one.
 */
export class AlertOutboxRepository extends ControlPlaneRepository {
  async enqueue(tenantId: string, ruleId: string | null, notifications: readonly NewAlertNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    await this.db
      .insertInto('alert_notifications')
      .values(notifications.map((n) => ({ tenant_id: tenantId, rule_id: ruleId, channel_id: n.channelId, kind: n.kind, payload: JSON.stringify(n.payload) })))
      .execute();
  }

  /** Leases pending notifications that are due, oldest first, with their channel. */
  async claimDue(owner: string, leaseMs: number, limit: number): Promise<Array<AlertNotificationRecord & { channel: AlertChannelRecord }>> {
    const claimed = await claimLeases<{ id: string }>(this.db, owner, leaseMs, {
      table: 'alert_notifications',
      key: 'id',
      due: sql`status = 'pending' and next_attempt_at <= now()`,
      take: sql`order by next_attempt_at limit ${limit}`,
      returning: sql`id`,
    });
    const ids = claimed.map((r) => r.id);
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('alert_notifications as n')
      .innerJoin('alert_channels as c', 'c.id', 'n.channel_id')
      .selectAll('n')
      .select([
        'c.key',
        'c.name',
        'c.kind as channel_kind',
        'c.settings',
        'c.secret_ciphertext',
        'c.secret_hint',
        'c.created_at as c_created_at',
        'c.updated_at as c_updated_at',
      ])
      .where('n.id', 'in', ids)
      .execute();
    return rows.map((r) => ({
      ...toNotification(r),
      channel: toChannel({ ...r, id: r.channel_id, kind: r.channel_kind, created_at: r.c_created_at, updated_at: r.c_updated_at }),
    }));
  }

  /** Records one delivery attempt: sent, retry at `retryAt`, or (no retryAt) failed for good. */
  async recordAttempt(id: string, owner: string, result: { ok: true } | { ok: false; error: string; retryAt?: Date }): Promise<void> {
    const base = this.db.updateTable('alert_notifications').where('id', '=', id).where('lease_owner', '=', owner);
    if (result.ok) {
      await base.set({ status: 'sent', sent_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1`, ...leaseReleased }).execute();
    } else {
      await base
        .set({
          status: result.retryAt ? 'pending' : 'failed',
          next_attempt_at: result.retryAt ?? sql<Date>`now()`,
          last_error: result.error.slice(0, 1000),
          attempts: sql<number>`attempts + 1`,
          ...leaseReleased,
        })
        .execute();
    }
  }

  async list(tenantId: string, q: { status?: AlertNotificationStatus; ruleId?: string; limit: number }): Promise<AlertNotificationRecord[]> {
    let query = this.db.selectFrom('alert_notifications').selectAll().where('tenant_id', '=', tenantId);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.ruleId) query = query.where('rule_id', '=', q.ruleId);
    const rows = await query.orderBy('created_at', 'desc').limit(q.limit).execute();
    return rows.map(toNotification);
  }
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
