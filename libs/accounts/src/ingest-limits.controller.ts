import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { IngestLimitsService } from './ingest-limits.service';
import type { Answer } from './route-types';

@Controller()
export class IngestLimitsController {
  constructor(@Inject(IngestLimitsService) private readonly service: IngestLimitsService) {}

  @Endpoint(R.getIngestLimits)
  get(@TenantOf() t: TenantAccess): Answer<'getIngestLimits'> {
    return this.service.getLimits(t);
  }

  @Endpoint(R.setIngestLimits)
  set(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.setIngestLimits>): Answer<'setIngestLimits'> {
    return this.service.setLimits(t, body);
  }

  @Endpoint(R.getIngestUsage)
  usage(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.getIngestUsage>): Answer<'getIngestUsage'> {
    return this.service.getUsage(t, query);
  }
}
