import { HttpException, HttpStatus } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export class TooManyAttemptsError extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message, retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * Per client IP: a budget of sign-in attempts per 15 minutes (slows password spraying from one
 * place). Per process; the per-account lockout in the database covers many replicas and IPs.
 */
export class LoginThrottle {
  readonly #perIp: RateLimiterMemory;

  constructor(attemptsPerIp: number) {
    this.#perIp = new RateLimiterMemory({ keyPrefix: 'login-ip', points: attemptsPerIp, duration: 15 * 60 });
  }

  async consume(ip: string): Promise<void> {
    try {
      await this.#perIp.consume(ip || 'unknown');
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new TooManyAttemptsError(`too many sign-in attempts from this address; try again in ${seconds} s`, seconds);
    }
  }
}
