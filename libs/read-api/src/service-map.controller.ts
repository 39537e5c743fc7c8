import { Controller, Inject } from '@nestjs/common';
import { ServiceMapQueries } from '@meridian/storage-clickhouse';

/** Service map reads: calls between services and to their databases and hosts (thin: one call per route). */
@Controller()
export class ServiceMapController {
  constructor(@Inject(ServiceMapQueries) readonly queries: ServiceMapQueries) {}
}
