import { HttpStatus } from '@nestjs/common';
import { RetryAfterError } from '@meridian/api-http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export class TooManyAttemptsError extends RetryAfterError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message, retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export interface LoginThrottleOptions {
  /** Sign-in attempts per client IP per window, whatever the account. */
  attemptsPerIp: number;
  /** Wrong passwords for one account from one IP per window; then only that pair waits. */
  failuresPerAccountIp: number;
  /** Wrong passwords for one account (any IP) per window after which each attempt is delayed. */
  delayAfterFailures: number;
  /** The progressive delay's cap: an attacker can slow a user's sign-in by at most this. */
  maxDelayMs: number;
}

export type ThrottleReason = 'ip' | 'account-ip';

const WINDOW_SECONDS = 15 * 60;
const FIRST_DELAY_MS = 250;

/**
 * Sign-in budgets, kept apart so one cannot be spent against another (issue 16):
 * - per client IP: every attempt (slows spraying many accounts from one place);
 * - per (account, IP): wrong passwords; when spent, only that address waits for that account;
 * - per account, any IP: wrong passwords make each further attempt wait longer (250 ms doubling,
 *   capped). A delay, never a lockout: the right password from a clean address still signs in.
 * Unknown emails are counted exactly like known ones, so answers do not tell them apart.
 * Per process (several replicas each keep their own budgets).
 */
export class LoginThrottle {
  readonly #perIp: RateLimiterMemory;
  readonly #perAccountIp: RateLimiterMemory;
  readonly #perAccount: RateLimiterMemory;

  constructor(private readonly options: LoginThrottleOptions) {
    this.#perIp = new RateLimiterMemory({ keyPrefix: 'login-ip', points: options.attemptsPerIp, duration: WINDOW_SECONDS });
    this.#perAccountIp = new RateLimiterMemory({ keyPrefix: 'login-account-ip', points: options.failuresPerAccountIp, duration: WINDOW_SECONDS });
    // Counts without refusing: the points only set the delay.
    this.#perAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points: Number.MAX_SAFE_INTEGER, duration: WINDOW_SECONDS });
  }

  /**
   * Admits an attempt or throws TooManyAttemptsError (with `reason`); returns how long to wait
   * before checking the password.
   */
  async admit(account: string, ip: string): Promise<{ delayMs: number }> {
    const pair = this.#pairKey(account, ip);
    const spent = await this.#perAccountIp.get(pair);
    if (spent && spent.consumedPoints >= this.options.failuresPerAccountIp) {
      throw new ThrottledError('too many wrong passwords for this account from this address', 'account-ip', spent.msBeforeNext);
    }
    try {
      await this.#perIp.consume(ip || 'unknown');
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new ThrottledError('too many sign-in attempts from this address', 'ip', res.msBeforeNext);
    }
    const failures = (await this.#perAccount.get(account))?.consumedPoints ?? 0;
    return { delayMs: this.delayFor(failures) };
  }

  delayFor(failures: number): number {
    const over = failures - this.options.delayAfterFailures;
    if (over < 0) return 0;
    return Math.min(this.options.maxDelayMs, FIRST_DELAY_MS * 2 ** Math.min(over, 20));
  }

  async failed(account: string, ip: string): Promise<void> {
    await Promise.all([this.#perAccountIp.penalty(this.#pairKey(account, ip), 1), this.#perAccount.penalty(account, 1)]);
  }

  /** The right password ends the delay for the account and the pair's count. */
  async succeeded(account: string, ip: string): Promise<void> {
    await Promise.all([this.#perAccountIp.delete(this.#pairKey(account, ip)), this.#perAccount.delete(account)]);
  }

  #pairKey(account: string, ip: string): string {
    return `${account}\n${ip || 'unknown'}`;
  }
}

export class ThrottledError extends TooManyAttemptsError {
  constructor(
    what: string,
    readonly reason: ThrottleReason,
    msBeforeNext: number,
  ) {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    super(`${what}; try again in ${seconds} s`, seconds);
  }
}

/**
 * Sign-up sends email to any address typed in, so it is budgeted: per client IP, and per
 * recipient (a mailbox cannot be flooded from many IPs). Known and unknown addresses count alike.
 */
export class SignupMailThrottle {
  readonly #perIp: RateLimiterMemory;
  readonly #perAddress: RateLimiterMemory;

  constructor(
    perIpPerHour: number,
    perAddressPerHour: number,
    private readonly onThrottled: () => void = () => undefined,
  ) {
    this.#perIp = new RateLimiterMemory({ keyPrefix: 'signup-ip', points: perIpPerHour, duration: 3600 });
    this.#perAddress = new RateLimiterMemory({ keyPrefix: 'signup-address', points: perAddressPerHour, duration: 3600 });
  }

  async consume(address: string, ip: string): Promise<void> {
    for (const [limiter, key, what] of [
      [this.#perIp, ip || 'unknown', 'too many sign-ups from this address'],
      [this.#perAddress, address, 'too many sign-up emails to this email address'],
    ] as const) {
      try {
        await limiter.consume(key);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        this.onThrottled();
        const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new TooManyAttemptsError(`${what}; try again in ${seconds} s`, seconds);
      }
    }
  }
}
