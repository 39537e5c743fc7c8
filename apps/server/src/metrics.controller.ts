import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject, UnauthorizedException } from '@nestjs/common';
import { exposition, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';

export const METRICS_OPTIONS = Symbol('MetricsOptions');
export interface MetricsOptions {
  /** `server.metricsToken`: unlocks the per-tenant series. */
  token?: string;
}

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
    @Inject(METRICS_OPTIONS) options: MetricsOptions,
  ) {
    this.tokenDigest = options.token === undefined ? undefined : digest(options.token);
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
        this.tokenDigest
          ? 'authorization: wrong metrics token; send MERIDIAN_METRICS_TOKEN as a Bearer token, or no Authorization header for the series without tenant ids'
          : 'authorization: no metrics token is configured (MERIDIAN_METRICS_TOKEN); scrape without an Authorization header',
      );
    }
    return exposition(this.metrics, { perTenant: true });
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
