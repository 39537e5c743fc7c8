import { Controller, Inject } from '@nestjs/common';
import { MetricExplorerQueries } from '@meridian/storage-clickhouse';

/** Metrics explorer reads: metric names and series over time (thin: one call per route). */
@Controller()
export class MetricExplorerController {
  constructor(@Inject(MetricExplorerQueries) readonly queries: MetricExplorerQueries) {}
}
