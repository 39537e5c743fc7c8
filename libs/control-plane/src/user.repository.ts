import type { User } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { isUniqueViolation, isUuid } from './postgres-errors';

export class EmailTakenError extends Error {
  constructor(email: string) {
    super(`email: an account for ${email} already exists; sign in instead`);
    this.name = 'EmailTakenError';
  }
}

/** What sign-in needs: the hash (failedLogins/lockedUntil are columns of the lockout that issue 16 replaced by throttles). */
export interface UserCredentials extends User {
  passwordHash: string | null;
  failedLogins: number;
  lockedUntil: Date | null;
}

/** Accounts (emails stored lower-cased; passwords only as argon2id hashes made by the caller). */
export class UserRepository extends ControlPlaneRepository {
  async create(email: string, passwordHash: string): Promise<User> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({ email: email.toLowerCase(), password_hash: passwordHash })
        .returning(['id', 'email', 'created_at'])
        .executeTakeFirstOrThrow();
      return { id: row.id, email: row.email, createdAt: row.created_at };
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTakenError(email);
      throw err;
    }
  }

  async findById(id: string): Promise<User | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.selectFrom('users').select(['id', 'email', 'created_at']).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, email: row.email, createdAt: row.created_at };
  }

  async credentialsByEmail(email: string): Promise<UserCredentials | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    return (
      row && {
        id: row.id,
        email: row.email,
        createdAt: row.created_at,
        passwordHash: row.password_hash,
        failedLogins: row.failed_logins,
        lockedUntil: row.locked_until,
      }
    );
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash, failed_logins: 0, locked_until: null }).where('id', '=', userId).execute();
  }
}
