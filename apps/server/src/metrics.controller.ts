import { Controller, Get, Header, Inject } from '@nestjs/common';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';

/** Prometheus scrape endpoint of this process (bus lag and throughput, ingester batches, process). */
@Controller()
export class MetricsController {
  constructor(@Inject(SELF_METRICS) private readonly metrics: SelfMetrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}
