import { Controller, Inject } from '@nestjs/common';
import { TraceSearchQueries } from '@meridian/storage-clickhouse';

/** Trace explorer reads: traces found by span filters (thin: one call per route). */
@Controller()
export class TraceSearchController {
  constructor(@Inject(TraceSearchQueries) readonly queries: TraceSearchQueries) {}
}
