import type { Invitation, MembershipRole } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { generateOpaqueToken, hashKey } from './ingest-key-token';
import { isUuid } from './postgres-errors';

type InvitedRole = Exclude<MembershipRole, 'owner'>;

/** Email invitations: the link carries a random token; the table keeps its hash. */
export class InvitationRepository extends ControlPlaneRepository {
  async create(input: {
    tenantId: string;
    email: string;
    role: InvitedRole;
    invitedBy: string;
    ttlMs: number;
  }): Promise<{ token: string; invitation: Invitation }> {
    const { token, hash } = generateOpaqueToken();
    const row = await this.db
      .insertInto('invitations')
      .values({
        tenant_id: input.tenantId,
        email: input.email.toLowerCase(),
        role: input.role,
        token_hash: hash,
        invited_by: input.invitedBy,
        expires_at: new Date(Date.now() + input.ttlMs),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const invitation = (await this.#select().where('i.id', '=', row.id).executeTakeFirstOrThrow()) as InvitationRow;
    return { token, invitation: toInvitation(invitation) };
  }

  async listForTenant(tenantId: string): Promise<Invitation[]> {
    const rows = await this.#select().where('i.tenant_id', '=', tenantId).orderBy('i.created_at', 'desc').limit(500).execute();
    return rows.map(toInvitation);
  }

  async revoke(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const r = await this.db
      .updateTable('invitations')
      .set((eb) => ({ revoked_at: eb.fn<Date>('now') }))
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** A pending (not accepted, revoked or expired) invitation by its token. */
  async findPending(token: string, now = new Date()): Promise<Invitation | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await this.#select()
      .where('i.token_hash', '=', hashKey(token))
      .where('i.accepted_at', 'is', null)
      .where('i.revoked_at', 'is', null)
      .where('i.expires_at', '>', now)
      .executeTakeFirst();
    return row && toInvitation(row);
  }

  /** Marks it accepted once; false when someone else accepted it first. */
  async markAccepted(id: string, userId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('invitations')
      .set((eb) => ({ accepted_at: eb.fn<Date>('now'), accepted_by: userId }))
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  #select() {
    return this.db
      .selectFrom('invitations as i')
      .leftJoin('users as u', 'u.id', 'i.invited_by')
      .select(['i.id', 'i.tenant_id', 'i.email', 'i.role', 'i.created_at', 'i.expires_at', 'i.accepted_at', 'i.revoked_at', 'u.email as invited_by_email']);
  }
}

interface InvitationRow {
  id: string;
  tenant_id: string;
  email: string;
  role: InvitedRole;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  invited_by_email: string | null;
}

function toInvitation(r: InvitationRow): Invitation {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    email: r.email,
    role: r.role,
    invitedBy: r.invited_by_email ?? '',
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    acceptedAt: r.accepted_at,
    revokedAt: r.revoked_at,
  };
}
