import type { Membership, User } from './control-plane-schema';
import { ControlPlaneRepository, type ControlPlaneTransactions } from './control-plane-transactions';
import { type InvitationAcceptance, InvitationError } from './invitation-acceptance';
import type { InvitationRepository } from './invitation.repository';
import { generateOpaqueToken, hashKey } from './ingest-key-token';
import { UserRepository } from './user.repository';
import { AuditLogRepository } from './audit-log.repository';

/**
 * Sign-up with an invitation: the invitation link proves the address, so the account is made
 * and the invitation accepted in ONE transaction. A bad token leaves no account behind.
 */
export class InvitationSignup {
  constructor(
    private readonly transactions: ControlPlaneTransactions,
    private readonly invitations: InvitationRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditLogRepository,
    private readonly acceptance: InvitationAcceptance,
  ) {}

  signUp(email: string, passwordHash: string, token: string, ip: string): Promise<{ user: User; membership: Membership }> {
    return this.transactions.run(async () => {
      // The token is checked before the address, so a bad token cannot probe which emails have accounts.
      const invitation = await this.invitations.findPending(token);
      if (!invitation || invitation.email !== email.toLowerCase())
        throw new InvitationError('token: this invitation is unknown, expired, revoked, already used or for another address');
      const user = await this.users.create(email, passwordHash);
      await this.audit.record({
        actor: `user:${user.id}`,
        action: 'user.signup',
        target: `user:${user.id}`,
        details: { email: user.email, ip, via: 'invitation' },
      });
      const membership = await this.acceptance.accept(user, token);
      return { user, membership };
    });
  }
}

/** Pending sign-ups waiting for their emailed link (the token and password kept only as hashes). */
export class SignupVerificationRepository extends ControlPlaneRepository {
  async create(email: string, passwordHash: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const { token, hash } = generateOpaqueToken();
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.db
      .insertInto('signup_verifications')
      .values({ email: email.toLowerCase(), password_hash: passwordHash, token_hash: hash, expires_at: expiresAt })
      .execute();
    return { token, expiresAt };
  }

  /**
   * Uses a pending sign-up once and creates its account, in one transaction. Undefined when the
   * token is unknown, expired or used, or the address got an account meanwhile (an invitation).
   */
  async complete(token: string, ip: string, now = new Date()): Promise<User | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    return this.db.transaction().execute(async (trx) => {
      const pending = await trx
        .updateTable('signup_verifications')
        .set({ used_at: now })
        .where('token_hash', '=', hashKey(token))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['email', 'password_hash'])
        .executeTakeFirst();
      if (!pending) return undefined;
      const users = new UserRepository(trx);
      if (await users.credentialsByEmail(pending.email)) return undefined;
      const user = await users.create(pending.email, pending.password_hash);
      // Other pending sign-ups for this address are void now.
      await trx.updateTable('signup_verifications').set({ used_at: now }).where('email', '=', pending.email).where('used_at', 'is', null).execute();
      await new AuditLogRepository(trx).record({
        actor: `user:${user.id}`,
        action: 'user.signup',
        target: `user:${user.id}`,
        details: { email: user.email, ip, via: 'verified-email' },
      });
      return user;
    });
  }

  /** Drops expired and used rows (they hold password hashes nobody can use any more). */
  async prune(now = new Date()): Promise<void> {
    await this.db
      .deleteFrom('signup_verifications')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
      .execute();
  }
}
