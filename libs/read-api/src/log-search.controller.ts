import { Controller, Inject } from '@nestjs/common';
import { LogSearchQueries } from '@meridian/storage-clickhouse';

/** Logs explorer reads: search, live tail, severity histogram (thin: one call per route). */
@Controller()
export class LogSearchController {
  constructor(@Inject(LogSearchQueries) readonly queries: LogSearchQueries) {}
}
