import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { abortWhenRequestEnds } from '@meridian/api-http';
import { counter, type SelfMetrics } from '@meridian/self-metrics';
import { ReadCancelledError, ReadRefusedError, ReadTimeoutError, withReadSignal } from '@meridian/storage-clickhouse';

/** Each API request's reads carry its abort signal: a read still waiting when its request has ended (answered, or its client gone) is dropped. */
export const readsFollowTheirRequest = () => abortWhenRequestEnds(withReadSignal);

/** nginx's "client closed request": nobody reads it, but it keeps such requests out of the error log. */
const CLIENT_CLOSED = 499;

/**
 * The read gate's refusals and the engine's time limit as answers:
 * - the tenant's own reads fill its queue or slots → 429 + Retry-After (like every per-tenant limit);
 * - the region's engine is busy with other tenants' reads → 503 + Retry-After (nothing this tenant did);
 * - a read ran past max_execution_time → 504, naming the limit and what to narrow.
 * Counted in `meridian_read_refusals_total{reason}` (no tenant ids).
 */
@Catch(ReadRefusedError, ReadTimeoutError, ReadCancelledError)
export class ReadLimitFilter implements ExceptionFilter {
  private readonly refusals;

  constructor(metrics: SelfMetrics) {
    this.refusals = counter(metrics, {
      name: 'meridian_read_refusals_total',
      help: 'API requests whose read was refused or stopped: queue_full and tenant_wait_timeout (429), engine_busy (503), execution_timeout (504), client_closed',
      labelNames: ['reason'],
    });
  }

  catch(err: ReadRefusedError | ReadTimeoutError | ReadCancelledError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (err instanceof ReadCancelledError) {
      this.refusals.inc({ reason: 'client_closed' });
      if (!res.headersSent && !res.destroyed) res.status(CLIENT_CLOSED).end();
      return;
    }
    if (err instanceof ReadTimeoutError) {
      this.refusals.inc({ reason: 'execution_timeout' });
      res.status(504).json({ statusCode: 504, error: 'Gateway Timeout', reason: 'execution_timeout', message: err.message });
      return;
    }
    const reason = err.reason === 'queue_full' ? 'queue_full' : err.tenantBusy ? 'tenant_wait_timeout' : 'engine_busy';
    this.refusals.inc({ reason });
    const status = reason === 'engine_busy' ? 503 : 429;
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(status).json({ statusCode: status, error: status === 429 ? 'Too Many Requests' : 'Service Unavailable', reason, message: err.message });
  }
}
