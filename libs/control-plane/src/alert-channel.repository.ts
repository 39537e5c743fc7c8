import { sql, type Selectable } from 'kysely';
import type { AlertChannelKind, AlertChannelsTable } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';

export interface NewAlertChannel {
  key: string;
  name: string;
  kind: AlertChannelKind;
  settings: Record<string, unknown>;
  secretCiphertext: string;
  secretHint: string;
}

export interface AlertChannelRecord extends NewAlertChannel {
  id: string;
  tenantId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A tenant's alert channels (Slack, webhook, email), their secrets sealed by the caller. */
export class AlertChannelRepository extends ControlPlaneRepository {
  async list(tenantId: string): Promise<AlertChannelRecord[]> {
    const rows = await this.db.selectFrom('alert_channels').selectAll().where('tenant_id', '=', tenantId).orderBy('key').execute();
    return rows.map(toChannel);
  }

  async get(tenantId: string, id: string): Promise<AlertChannelRecord | undefined> {
    const row = await this.db.selectFrom('alert_channels').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toChannel(row);
  }

  /** Inserts, or replaces the channel with the same client-chosen key (idempotent import). */
  async upsert(tenantId: string, c: NewAlertChannel): Promise<{ channel: AlertChannelRecord; created: boolean }> {
    const row = await this.db
      .insertInto('alert_channels')
      .values({
        tenant_id: tenantId,
        key: c.key,
        name: c.name,
        kind: c.kind,
        settings: JSON.stringify(c.settings),
        secret_ciphertext: c.secretCiphertext,
        secret_hint: c.secretHint,
      })
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

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_channels').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

export function toChannel(r: Selectable<AlertChannelsTable>): AlertChannelRecord {
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
