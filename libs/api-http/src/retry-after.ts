import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';

/** A refusal (429) that knows when the client may try again. */
export abstract class RetryAfterError extends HttpException {
  abstract readonly retryAfterSeconds: number;
}

/** 429s say when to come back (`Retry-After`), as clients and the UI expect. */
@Catch(RetryAfterError)
export class RetryAfterFilter implements ExceptionFilter {
  catch(err: RetryAfterError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(err.getStatus()).json(err.getResponse());
  }
}
