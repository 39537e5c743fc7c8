import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Principal, TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, type Invitation, InvitationAcceptance, InvitationRepository, TenantRepository, UserRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso, mapErrors } from './http-errors';
import { INVITATION_LIMITER, type InvitationLimiter } from './invitation-limiter';
import { InvitationMailer } from './invitation-mailer';
import type { Answer, BodyOf } from './route-types';

/**
 * Invitations: sent by signed-in admins within the invitation budgets, mailed with a link that
 * works once, revocable while pending, and accepted only by the address they were sent to.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @Inject(InvitationRepository) private readonly invitations: InvitationRepository,
    @Inject(InvitationAcceptance) private readonly acceptance: InvitationAcceptance,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(InvitationMailer) private readonly mailer: InvitationMailer,
    @Inject(INVITATION_LIMITER) private readonly limiter: InvitationLimiter,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async list(t: TenantAccess): Answer<'listInvitations'> {
    return { invitations: (await this.invitations.listForTenant(t.tenantId)).map(toInvitationDto) };
  }

  /** Throws InvitationRateLimitError (429, with the seconds to wait) when a budget is spent. */
  async invite(t: TenantAccess, body: BodyOf<'createInvitation'>): Answer<'createInvitation'> {
    const tenant = await this.tenants.findById(t.tenantId);
    if (!tenant) throw new NotFoundException();
    const invitedBy = t.actor.startsWith('user:') ? t.actor.slice('user:'.length) : null;
    if (!invitedBy) throw new ForbiddenException('invitations are sent by signed-in users, not api keys');
    this.limiter.take(t.tenantId, invitedBy, body.email);
    const { token, invitation } = await this.invitations.create({
      tenantId: t.tenantId,
      email: body.email,
      role: body.role,
      invitedBy,
      ttlMs: this.options.invitationTtlMs,
    });
    const acceptUrl = `${this.options.publicUrl.replace(/\/$/, '')}/invite?token=${encodeURIComponent(token)}`;
    await this.audit.record({
      tenantId: t.tenantId,
      actor: t.actor,
      action: 'invitation.create',
      target: `invitation:${invitation.id}`,
      details: { email: invitation.email, role: invitation.role },
    });
    const emailDelivery = await this.mailer.send({
      to: invitation.email,
      tenantName: tenant.name,
      role: invitation.role,
      invitedBy: invitation.invitedBy,
      acceptUrl,
    });
    return { invitation: toInvitationDto(invitation), acceptUrl, emailDelivery };
  }

  async revoke(t: TenantAccess, invitationId: string): Promise<void> {
    if (!(await this.invitations.revoke(t.tenantId, invitationId))) throw new NotFoundException(`invitationId: no pending invitation ${invitationId}`);
    await this.audit.record({ tenantId: t.tenantId, actor: t.actor, action: 'invitation.revoke', target: `invitation:${invitationId}` });
  }

  /** The signed-in user joins the invitation's tenant (a bad token is a 400 naming body.token). */
  async accept(p: Principal, token: string): Answer<'acceptInvitation'> {
    if (p.kind !== 'user') throw new NotFoundException();
    const user = await this.users.findById(p.userId);
    if (!user) throw new NotFoundException('your account no longer exists');
    const m = await mapErrors(() => this.acceptance.accept(user, token));
    return { id: m.tenant.id, slug: m.tenant.slug, name: m.tenant.name, region: m.tenant.region, role: m.role };
  }
}

function toInvitationDto(i: Invitation) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    invitedBy: i.invitedBy,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    acceptedAt: iso(i.acceptedAt),
    revokedAt: iso(i.revokedAt),
  };
}
