import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';

const ENABLE_HINT =
  'operator routes are disabled on this server: set MERIDIAN_OPERATOR_TOKEN (config server.operatorToken, at least 24 characters) ' +
  'and send it as "Authorization: Bearer <token>", or use the CLI: meridian tenant limits --slug <tenant> …';

/**
 * The SaaS operator's credential for operator-only routes. Only a SHA-256 of the configured
 * token is kept, and a presented token is compared by its digest in constant time, so neither
 * the length nor the matching prefix of the real token shows in response times.
 */
export class OperatorToken {
  readonly #digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.#digest = token ? digest(token) : undefined;
  }

  get configured(): boolean {
    return this.#digest !== undefined;
  }

  /** Throws 403 (with how to fix it) unless the request's bearer token is the operator token. */
  check(authorization: string | undefined): void {
    if (!this.#digest) throw new ForbiddenException(ENABLE_HINT);
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.#digest)) {
      throw new ForbiddenException('this route is for the operator only: send the operator token as "Authorization: Bearer <token>"');
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
