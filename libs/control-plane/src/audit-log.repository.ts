import type { Selectable } from 'kysely';
import type { AuditEntry, AuditLogTable, NewAuditEntry } from './control-plane-schema';
import { isUuid } from './postgres-errors';
import { ControlPlaneRepository } from './control-plane-transactions';

const MAX_LIST = 1000;

/** Append-only record of who did what (DESIGN.md: tenant admins get an audit of who did what). */
export class AuditLogRepository extends ControlPlaneRepository {
  async record(entry: NewAuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        tenant_id: entry.tenantId ?? null,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        details: JSON.stringify(entry.details ?? {}),
      })
      .execute();
  }

  /** Newest first; `limit` is clamped to 1–1000; `beforeId` pages on from the entry with that id. */
  async listForTenant(tenantId: string, limit = 100, beforeId?: string): Promise<AuditEntry[]> {
    if (!isUuid(tenantId)) return [];
    let query = this.db.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenantId);
    // Ids grow with time (identity column), so "older than" is "smaller id".
    if (beforeId !== undefined && /^\d+$/.test(beforeId)) query = query.where('id', '<', beforeId);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_LIST))
      .execute();
    return rows.map(toAuditEntry);
  }
}

function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details,
    at: row.at,
  };
}
