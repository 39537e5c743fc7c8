import type { Membership, User } from './control-plane-schema';
import type { ControlPlaneTransactions } from './control-plane-transactions';
import type { AuditLogRepository } from './audit-log.repository';
import type { InvitationRepository } from './invitation.repository';
import type { MembershipRepository } from './membership.repository';

export class InvitationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvitationError';
  }
}

export class InvitationAcceptance {
  constructor(
    private readonly transactions: ControlPlaneTransactions,
    private readonly invitations: InvitationRepository,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  /**
   * Joins a user to the tenant of a pending invitation addressed to their email, once, with the
   * invited role (an existing membership keeps its role), and audits it, in one transaction
   * (the caller's when there is one: sign-up creates the user and accepts in one).
   */
  accept(user: User, token: string): Promise<Membership> {
    return this.transactions.run(async () => {
      const invitation = await this.invitations.findPending(token);
      if (!invitation) throw new InvitationError('token: this invitation is unknown, expired, revoked or already used');
      if (invitation.email !== user.email.toLowerCase()) {
        throw new InvitationError(`token: this invitation is for ${invitation.email}; sign in with that address to accept it`);
      }
      if (!(await this.invitations.markAccepted(invitation.id, user.id))) throw new InvitationError('token: this invitation was already used');
      await this.memberships.add(invitation.tenantId, user.id, invitation.role);
      await this.audit.record({
        tenantId: invitation.tenantId,
        actor: `user:${user.id}`,
        action: 'member.join',
        target: `user:${user.id}`,
        details: { email: user.email, role: invitation.role, invitationId: invitation.id },
      });
      const membership = await this.memberships.find(user.id, invitation.tenantId);
      if (!membership) throw new Error(`membership of ${user.id} in ${invitation.tenantId} vanished`);
      return membership;
    });
  }
}
