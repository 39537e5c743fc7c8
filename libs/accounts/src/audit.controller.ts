import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, ControlPlaneDb } from '@meridian/control-plane';

@Controller()
export class AuditController {
  constructor(@Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb) {}

  @Endpoint(R.listAudit)
  async list(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.listAudit>): Promise<ResponseOf<typeof R.listAudit>> {
    const entries = await new AuditLogRepository(this.cp).listForTenant(t.tenantId, query.limit, query.before);
    return {
      entries: entries.map((e) => ({ id: e.id, actor: e.actor, action: e.action, target: e.target, details: e.details, at: e.at.toISOString() })),
      nextBefore: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null,
    };
  }
}
