import { Inject, Injectable } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import { AuditLogRepository } from '@meridian/control-plane';
import type { Answer } from './route-types';

/** The tenant's audit log, newest first, a page at a time. */
@Injectable()
export class AuditService {
  constructor(@Inject(AuditLogRepository) private readonly audit: AuditLogRepository) {}

  async list(t: TenantAccess, query: { limit: number; before?: string }): Answer<'listAudit'> {
    const entries = await this.audit.listForTenant(t.tenantId, query.limit, query.before);
    return {
      entries: entries.map((e) => ({ id: e.id, actor: e.actor, action: e.action, target: e.target, details: e.details, at: e.at.toISOString() })),
      // A full page may have more behind it; a short one is the last.
      nextBefore: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null,
    };
  }
}
