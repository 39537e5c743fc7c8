import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { ServiceMapQueries } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

/** Service map reads: calls between services and to their databases and hosts (thin: one call per route). */
@Controller()
export class ServiceMapController {
  constructor(@Inject(ServiceMapQueries) private readonly queries: ServiceMapQueries) {}

  @Endpoint(R.serviceMap)
  async serviceMap(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.serviceMap>): Promise<ResponseOf<typeof R.serviceMap>> {
    const window = parseWindow(query, 15 * 60_000);
    const map = await validated(() => this.queries.serviceMap(t.region, t.tenantId, window));
    return { from: window.from.toISOString(), to: window.to.toISOString(), ...map };
  }
}
