import { ForbiddenException } from '@nestjs/common';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, Response } from 'express';
import { CSRF_COOKIE } from './auth-options';

/**
 * CSRF protection for cookie-authenticated writes (csrf-csrf's signed double-submit token,
 * bound to the session id). Bearer-key calls carry no ambient credential and need none.
 */
export class CsrfProtection {
  readonly #csrf: ReturnType<typeof doubleCsrf>;

  constructor(secret: string, sessionIdOf: (req: Request) => string) {
    this.#csrf = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: sessionIdOf,
      cookieName: CSRF_COOKIE,
      cookieOptions: { sameSite: 'lax', path: '/', httpOnly: true, secure: false },
      getCsrfTokenFromRequest: (req) => req.headers['x-csrf-token'],
    });
  }

  /** A token for this session (also sets the cookie half); send it back as `x-csrf-token`. */
  issue(req: Request, res: Response, secure: boolean): string {
    return this.#csrf.generateCsrfToken(req, res, { overwrite: true, cookieOptions: { secure, sameSite: 'lax', path: '/', httpOnly: true } });
  }

  check(req: Request): void {
    if (!this.#csrf.validateRequest(req)) {
      throw new ForbiddenException('missing or invalid CSRF token: send the x-csrf-token header from GET /api/v1/auth/session');
    }
  }
}
