import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { TooManyAttemptsError } from './login-throttle';

/** 429s say when to come back (`Retry-After`), as clients and the UI expect. */
@Catch(TooManyAttemptsError)
export class TooManyAttemptsFilter implements ExceptionFilter {
  catch(err: TooManyAttemptsError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(err.getStatus()).json(err.getResponse());
  }
}
