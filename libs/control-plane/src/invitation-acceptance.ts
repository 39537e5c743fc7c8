import type { Kysely } from 'kysely';
import type { ControlPlaneDb } from './control-plane-db';
import type { ControlPlaneSchema, Membership, User } from './control-plane-schema';
import { AuditLogRepository } from './audit-log.repository';
import { InvitationRepository } from './invitation.repository';
import { MembershipRepository } from './membership.repository';

export class InvitationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvitationError';
  }
}

/**
 * Joins a user to the tenant of a pending invitation addressed to their email, once, with the
 * invited role (an existing membership keeps its role), and audits it.
 */
export async function acceptInvitation(cp: ControlPlaneDb, user: User, token: string): Promise<Membership> {
  return cp.db.transaction().execute((trx) => acceptInvitationIn(trx, user, token));
}

/** The same inside the caller's transaction (sign-up creates the user and accepts in one). */
export async function acceptInvitationIn(trx: Kysely<ControlPlaneSchema>, user: User, token: string): Promise<Membership> {
  const invitations = new InvitationRepository(trx);
  const invitation = await invitations.findPending(token);
  if (!invitation) throw new InvitationError('token: this invitation is unknown, expired, revoked or already used');
  if (invitation.email !== user.email.toLowerCase()) {
    throw new InvitationError(`token: this invitation is for ${invitation.email}; sign in with that address to accept it`);
  }
  if (!(await invitations.markAccepted(invitation.id, user.id))) throw new InvitationError('token: this invitation was already used');
  const memberships = new MembershipRepository(trx);
  await memberships.add(invitation.tenantId, user.id, invitation.role);
  await new AuditLogRepository(trx).record({
    tenantId: invitation.tenantId,
    actor: `user:${user.id}`,
    action: 'member.join',
    target: `user:${user.id}`,
    details: { email: user.email, role: invitation.role, invitationId: invitation.id },
  });
  const membership = await memberships.find(user.id, invitation.tenantId);
  if (!membership) throw new Error(`membership of ${user.id} in ${invitation.tenantId} vanished`);
  return membership;
}
