import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import {
  acceptInvitation,
  AuditLogRepository,
  ControlPlaneDb,
  MembershipRepository,
  SessionRepository,
  type Membership,
  type User,
  UserRepository,
} from '@meridian/control-plane';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';
import { LoginThrottle, TooManyAttemptsError } from './login-throttle';
import { PasswordHasher } from './password-hasher';

export interface ClientMeta {
  ip: string;
  userAgent: string;
}

export interface StartedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

const WRONG_CREDENTIALS = 'email or password is wrong';

/** Accounts and sessions; every security-relevant step lands in the audit log. */
@Injectable()
export class AuthService {
  readonly #hasher = new PasswordHasher();
  readonly #throttle: LoginThrottle;

  constructor(
    @Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {
    this.#throttle = new LoginThrottle(options.loginAttemptsPerIp);
  }

  async signUp(email: string, password: string, meta: ClientMeta, inviteToken?: string): Promise<{ user: User; session: StartedSession }> {
    const user = await new UserRepository(this.cp).create(email, await this.#hasher.hash(password));
    await new AuditLogRepository(this.cp).record({ actor: `user:${user.id}`, action: 'user.signup', target: `user:${user.id}`, details: { email: user.email, ip: meta.ip } });
    if (inviteToken) await acceptInvitation(this.cp, user, inviteToken);
    return { user, session: await this.startSession(user, meta) };
  }

  /**
   * Checks a password (passport's local strategy calls this). Wrong → 401 with one message for
   * unknown email and wrong password alike; too many attempts → 429 with Retry-After.
   */
  async verifyPassword(email: string, password: string, meta: ClientMeta): Promise<User> {
    await this.#throttle.consume(meta.ip);
    const users = new UserRepository(this.cp);
    const creds = await users.credentialsByEmail(email);
    const now = new Date();
    if (creds?.lockedUntil && creds.lockedUntil > now) {
      const seconds = Math.ceil((creds.lockedUntil.getTime() - now.getTime()) / 1000);
      throw new TooManyAttemptsError(`this account is locked after too many wrong passwords; try again in ${seconds} s`, seconds);
    }
    const ok = await this.#hasher.verify(creds?.passwordHash ?? null, password);
    if (!creds) throw new UnauthorizedException(WRONG_CREDENTIALS);
    if (!ok) {
      const lockedUntil = await users.noteFailedLogin(creds.id, this.options.lockoutAfterFailures, this.options.lockoutMs, now);
      await this.#auditForUser(creds, lockedUntil ? 'auth.lockout' : 'auth.login_failed', { ip: meta.ip, ...(lockedUntil && { lockedUntil: lockedUntil.toISOString() }) });
      throw new UnauthorizedException(WRONG_CREDENTIALS);
    }
    if (creds.failedLogins > 0) await users.clearFailedLogins(creds.id);
    return { id: creds.id, email: creds.email, createdAt: creds.createdAt };
  }

  async startSession(user: User, meta: ClientMeta): Promise<StartedSession> {
    const session = await new SessionRepository(this.cp).create(user.id, this.options.sessionTtlMs, meta);
    await this.#auditForUser(user, 'auth.login', { ip: meta.ip, userAgent: meta.userAgent.slice(0, 200) });
    return session;
  }

  async sessionFor(token: string) {
    return new SessionRepository(this.cp).findActive(token, this.options.sessionTtlMs);
  }

  async signOut(sessionId: string, user: { id: string }): Promise<void> {
    await new SessionRepository(this.cp).delete(sessionId);
    await new AuditLogRepository(this.cp).record({ actor: `user:${user.id}`, action: 'auth.logout', target: `user:${user.id}` });
  }

  memberships(userId: string): Promise<Membership[]> {
    return new MembershipRepository(this.cp).listForUser(userId);
  }

  /** Sign-ins concern every tenant the user belongs to: their admins see them in the tenant's audit log. */
  async #auditForUser(user: { id: string; email: string }, action: string, details: Record<string, unknown>): Promise<void> {
    const audit = new AuditLogRepository(this.cp);
    const tenants = await this.memberships(user.id);
    const entry = { actor: `user:${user.id}`, action, target: `user:${user.id}`, details: { email: user.email, ...details } };
    if (tenants.length === 0) await audit.record(entry);
    for (const m of tenants) await audit.record({ ...entry, tenantId: m.tenant.id });
  }
}
