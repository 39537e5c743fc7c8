import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AuditService } from './audit.service';
import type { Answer } from './route-types';

@Controller()
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Endpoint(R.listAudit)
  list(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.listAudit>): Answer<'listAudit'> {
    return this.audit.list(t, query);
  }
}
