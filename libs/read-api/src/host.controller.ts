import { Controller, Inject } from '@nestjs/common';
import { HostQueries } from '@meridian/storage-clickhouse';

/** Servers reads: every host's latest figures, one host's series and processes (thin: one call per route). */
@Controller()
export class HostController {
  constructor(@Inject(HostQueries) readonly queries: HostQueries) {}
}
