import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { InvitationRateLimitError } from './invitation-limiter';

/** A spent invitation budget answers 429 with `Retry-After`, as clients and the UI expect. */
@Catch(InvitationRateLimitError)
export class InvitationRateLimitFilter implements ExceptionFilter {
  catch(err: InvitationRateLimitError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(err.getStatus()).json(err.getResponse());
  }
}
