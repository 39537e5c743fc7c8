import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject, UnauthorizedException } from '@nestjs/common';
import type { MeridianConfig } from '@meridian/config';
import { exposition, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { MERIDIAN_CONFIG } from './infrastructure.module';

/**
 * Prometheus scrape endpoint of this process (bus lag and throughput, ingester batches, process).
 * Anyone who reaches the API port may scrape it, so anonymously it serves no tenant id or slug;
 * `Authorization: Bearer <server.metricsToken>` adds the per-tenant series.
 */
@Controller()
export class MetricsController {
  private readonly tokenDigest?: Buffer;

  constructor(
    @Inject(SELF_METRICS) private readonly metrics: SelfMetrics,
    @Inject(MERIDIAN_CONFIG) cfg: MeridianConfig,
  ) {
    this.tokenDigest = cfg.server.metricsToken === undefined ? undefined : digest(cfg.server.metricsToken);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (authorization === undefined) return exposition(this.metrics, { perTenant: false });
    const token = /^Bearer (.+)$/i.exec(authorization.trim())?.[1] ?? '';
    // Digests have one length, so the comparison takes the same time whatever the token.
    if (!this.tokenDigest || !timingSafeEqual(digest(token), this.tokenDigest)) {
      throw new UnauthorizedException(
        this.tokenDigest ? 'authorization: wrong metrics token; send MERIDIAN_METRICS_TOKEN as a Bearer token, or no Authorization header for the series without tenant ids' : 'authorization: no metrics token is configured (MERIDIAN_METRICS_TOKEN); scrape without an Authorization header',
      );
    }
    return exposition(this.metrics, { perTenant: true });
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
