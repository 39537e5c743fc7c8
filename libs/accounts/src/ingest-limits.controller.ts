import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { IngestLimitsService } from './ingest-limits.service';

type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

@Controller()
export class IngestLimitsController {
  constructor(@Inject(IngestLimitsService) private readonly service: IngestLimitsService) {}

  @Endpoint(R.getIngestLimits)
  get(@TenantOf() t: TenantAccess): Out<'getIngestLimits'> {
    return this.service.getLimits(t);
  }

  @Endpoint(R.setIngestLimits)
  set(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.setIngestLimits>): Out<'setIngestLimits'> {
    return this.service.setLimits(t, body);
  }

  @Endpoint(R.getIngestUsage)
  usage(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.getIngestUsage>): Out<'getIngestUsage'> {
    return this.service.getUsage(t, query);
  }
}
