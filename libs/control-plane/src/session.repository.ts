import type { User } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { generateOpaqueToken, hashKey } from './ingest-key-token';

export interface ActiveSession {
  sessionId: string;
  user: User;
  expiresAt: Date;
}

/**
 * Server-side sessions: the cookie carries a random token, the table its hash. Sessions live in
 * the control plane, so they survive restarts and work on every api replica.
 */
export class SessionRepository extends ControlPlaneRepository {
  async create(
    userId: string,
    ttlMs: number,
    meta: { userAgent?: string; ip?: string },
    now = new Date(),
  ): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
    const { token, hash } = generateOpaqueToken();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const row = await this.db
      .insertInto('sessions')
      .values({ user_id: userId, token_hash: hash, expires_at: expiresAt, user_agent: (meta.userAgent ?? '').slice(0, 300), ip: meta.ip ?? '' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { token, sessionId: row.id, expiresAt };
  }

  /**
   * The live session of a presented token, or undefined (unknown or expired). Sliding expiry:
   * a session used within `ttlMs` stays valid, written at most once a minute.
   */
  async findActive(token: string, ttlMs: number, now = new Date()): Promise<ActiveSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.expires_at', 's.last_seen_at', 'u.id as user_id', 'u.email', 'u.created_at'])
      .where('s.token_hash', '=', hashKey(token))
      .where('s.expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return undefined;
    let expiresAt = row.expires_at;
    if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
      expiresAt = new Date(now.getTime() + ttlMs);
      await this.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', row.id).execute();
    }
    return { sessionId: row.id, user: { id: row.user_id, email: row.email, createdAt: row.created_at }, expiresAt };
  }

  async delete(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  async deleteExpired(now = new Date()): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
