import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { IngestKeyRepository } from '@meridian/control-plane';
import type { Principal } from '@meridian/api-http';
import type { Request } from 'express';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { Strategy as CustomStrategy } from 'passport-custom';
import { Strategy as LocalStrategy } from 'passport-local';
import { SESSION_COOKIE } from './auth-options';
import { AuthService } from './auth.service';
import { clientMeta } from './cookies';

/** Email + password (sign-in only). */
@Injectable()
export class PasswordStrategy extends PassportStrategy(LocalStrategy, 'mrd-password') {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true });
  }

  validate(req: Request, email: string, password: string) {
    return this.auth.verifyPassword(email, password, clientMeta(req));
  }
}

/** The session cookie set at sign-in. */
@Injectable()
export class SessionStrategy extends PassportStrategy(CustomStrategy, 'mrd-session') {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {
    super();
  }

  async validate(req: Request): Promise<Principal | false> {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (!token) return false;
    const session = await this.auth.sessionFor(token);
    return session ? { kind: 'user', userId: session.user.id, email: session.user.email, sessionId: session.sessionId } : false;
  }
}

/** `Authorization: Bearer mrd_at_…`: a tenant's api key for scripts. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(BearerStrategy, 'mrd-api-key') {
  constructor(@Inject(IngestKeyRepository) private readonly keys: IngestKeyRepository) {
    super();
  }

  async validate(token: string): Promise<Principal | false> {
    const identity = await this.keys.verify(token, 'api');
    return identity ? { kind: 'api-key', keyId: identity.keyId, tenantId: identity.tenantId } : false;
  }
}
