import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, Optional, UnauthorizedException } from '@nestjs/common';
import {
  AuditLogRepository,
  InvitationSignup,
  MembershipRepository,
  SessionRepository,
  SignupVerificationRepository,
  type Membership,
  type User,
  UserRepository,
} from '@meridian/control-plane';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';
import { counter, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import type { Counter } from 'prom-client';
import { LoginThrottle, SignupMailThrottle, ThrottledError } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { passwordProblem } from './password-policy';
import { SignupMailer } from './signup-mailer';

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

/** A password the policy refuses (→ 400 naming body.password). */
export class WeakPasswordError extends Error {
  constructor(readonly reason: string) {
    super(`password: ${reason}`);
    this.name = 'WeakPasswordError';
  }
}

/** A verification link that is unknown, expired or used (→ 400 naming body.token). */
export class VerificationLinkError extends Error {
  constructor() {
    super('token: this link is unknown, expired or already used; sign up again to get a new one');
    this.name = 'VerificationLinkError';
  }
}

export type SignUpOutcome = { kind: 'signed-in'; user: User; session: StartedSession } | { kind: 'verification-sent' };

/** Accounts and sessions; every security-relevant step lands in the audit log. */
@Injectable()
export class AuthService {
  readonly #hasher = new PasswordHasher();
  readonly #throttle: LoginThrottle;
  readonly #signupMail: SignupMailThrottle;
  readonly #log = new Logger('AuthService');
  readonly #throttled: Counter<'reason'> | undefined;
  readonly #signups: Counter<'outcome'> | undefined;

  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(MembershipRepository) private readonly membershipRepository: MembershipRepository,
    @Inject(SignupVerificationRepository) private readonly verifications: SignupVerificationRepository,
    @Inject(InvitationSignup) private readonly invitationSignup: InvitationSignup,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    @Inject(SignupMailer) private readonly mailer: SignupMailer,
    @Optional() @Inject(SELF_METRICS) metrics?: SelfMetrics,
  ) {
    this.#signupMail = new SignupMailThrottle(options.signupsPerIpPerHour, options.signupEmailsPerAddressPerHour, () =>
      this.#signups?.inc({ outcome: 'throttled' }),
    );
    this.#throttle = new LoginThrottle({
      attemptsPerIp: options.loginAttemptsPerIp,
      failuresPerAccountIp: options.loginFailuresPerAccountIp,
      delayAfterFailures: options.loginDelayAfterFailures,
      maxDelayMs: options.loginMaxDelayMs,
    });
    if (metrics) {
      this.#throttled = counter(metrics, {
        name: 'meridian_auth_sign_in_throttled_total',
        help: 'Sign-in attempts answered 429, by which budget was spent (ip, account-ip).',
        labelNames: ['reason'],
      });
      this.#signups = counter(metrics, {
        name: 'meridian_auth_signups_total',
        help: 'Sign-up requests by outcome (invited, verification_sent, existing_account, verified, throttled).',
        labelNames: ['outcome'],
      });
    }
  }

  /**
   * With an invitation (which proves the address): the account is created and the invitation
   * accepted in one transaction, and a session starts. Without: the same answer whether the
   * address has an account or not; the email decides (a link to finish, or a note to the owner).
   */
  async signUp(email: string, password: string, meta: ClientMeta, inviteToken?: string): Promise<SignUpOutcome> {
    const weak = passwordProblem(password, { email });
    if (weak) throw new WeakPasswordError(weak);
    if (!inviteToken) await this.#signupMail.consume(email.toLowerCase(), meta.ip);
    const passwordHash = await this.#hasher.hash(password);
    if (inviteToken) {
      const { user } = await this.invitationSignup.signUp(email, passwordHash, inviteToken, meta.ip);
      this.#signups?.inc({ outcome: 'invited' });
      return { kind: 'signed-in', user, session: await this.startSession(user, meta) };
    }
    const existing = await this.users.credentialsByEmail(email);
    if (existing) {
      await this.#auditForUser(existing, 'auth.signup_existing', { ip: meta.ip });
      await this.mailer.send({ kind: 'exists', to: existing.email, signInUrl: new URL('/sign-in', this.options.publicUrl).toString() });
      this.#signups?.inc({ outcome: 'existing_account' });
    } else {
      await this.verifications.prune();
      const { token } = await this.verifications.create(email, passwordHash, this.options.signupVerificationTtlMs);
      const verifyUrl = new URL('/verify-email', this.options.publicUrl);
      verifyUrl.searchParams.set('token', token);
      await this.mailer.send({
        kind: 'verify',
        to: email.toLowerCase(),
        verifyUrl: verifyUrl.toString(),
        ttlHours: Math.round(this.options.signupVerificationTtlMs / 3_600_000),
      });
      this.#signups?.inc({ outcome: 'verification_sent' });
    }
    return { kind: 'verification-sent' };
  }

  /** Finishes a sign-up from its emailed link: creates the account and starts a session. */
  async verifyEmail(token: string, meta: ClientMeta): Promise<{ user: User; session: StartedSession }> {
    const user = await this.verifications.complete(token, meta.ip);
    if (!user) throw new VerificationLinkError();
    this.#signups?.inc({ outcome: 'verified' });
    return { user, session: await this.startSession(user, meta) };
  }

  /**
   * Checks a password (passport's local strategy calls this). Known and unknown emails take the
   * same path (a dummy hash for unknown ones) and get the same answers: 401 when wrong, 429 with
   * Retry-After when a budget is spent. Repeated failures slow the account down; they never
   * lock it, so an attacker cannot keep its owner out.
   */
  async verifyPassword(email: string, password: string, meta: ClientMeta): Promise<User> {
    const account = email.toLowerCase();
    let delayMs: number;
    try {
      ({ delayMs } = await this.#throttle.admit(account, meta.ip));
    } catch (err) {
      if (err instanceof ThrottledError) {
        this.#throttled?.inc({ reason: err.reason });
        if (err.reason === 'account-ip') this.#auditLater(this.users.credentialsByEmail(account), 'auth.login_throttled', { ip: meta.ip, reason: err.reason });
      }
      throw err;
    }
    if (delayMs > 0) await sleep(delayMs);
    const creds = await this.users.credentialsByEmail(account);
    const ok = await this.#hasher.verify(creds?.passwordHash ?? null, password);
    if (!creds || !ok) {
      await this.#throttle.failed(account, meta.ip);
      // Audited off the answer's path, so a known email does not answer slower than an unknown one.
      if (creds) this.#auditLater(Promise.resolve(creds), 'auth.login_failed', { ip: meta.ip, ...(delayMs > 0 && { delayedMs: delayMs }) });
      throw new UnauthorizedException(WRONG_CREDENTIALS);
    }
    await this.#throttle.succeeded(account, meta.ip);
    return { id: creds.id, email: creds.email, createdAt: creds.createdAt };
  }

  async startSession(user: User, meta: ClientMeta): Promise<StartedSession> {
    const session = await this.sessions.create(user.id, this.options.sessionTtlMs, meta);
    await this.#auditForUser(user, 'auth.login', { ip: meta.ip, userAgent: meta.userAgent.slice(0, 200) });
    return session;
  }

  async sessionFor(token: string) {
    return this.sessions.findActive(token, this.options.sessionTtlMs);
  }

  async signOut(sessionId: string, user: { id: string }): Promise<void> {
    await this.sessions.delete(sessionId);
    await this.audit.record({ actor: `user:${user.id}`, action: 'auth.logout', target: `user:${user.id}` });
  }

  memberships(userId: string): Promise<Membership[]> {
    return this.membershipRepository.listForUser(userId);
  }

  #auditLater(user: Promise<{ id: string; email: string } | undefined>, action: string, details: Record<string, unknown>): void {
    void user
      .then((u) => u && this.#auditForUser(u, action, details))
      .catch((err: unknown) => this.#log.error(`audit of ${action} failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Sign-ins concern every tenant the user belongs to: their admins see them in the tenant's audit log. */
  async #auditForUser(user: { id: string; email: string }, action: string, details: Record<string, unknown>): Promise<void> {
    const tenants = await this.memberships(user.id);
    const entry = { actor: `user:${user.id}`, action, target: `user:${user.id}`, details: { email: user.email, ...details } };
    if (tenants.length === 0) await this.audit.record(entry);
    for (const m of tenants) await this.audit.record({ ...entry, tenantId: m.tenant.id });
  }
}
