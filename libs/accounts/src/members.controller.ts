import { ConflictException, Controller, ForbiddenException, Inject, NotFoundException, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, ControlPlaneDb, type Invitation, InvitationRepository, type Member, MembershipRepository, TenantRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso } from './http-errors';
import { INVITATION_LIMITER, type InvitationLimiter, InvitationRateLimitError } from './invitation-limiter';
import { InvitationMailer } from './invitation-mailer';

type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

/**
 * Members, roles and invitations. Owners are protected: only an owner may make or unmake an
 * owner, and the last owner can be neither demoted nor removed, so a tenant is never orphaned.
 */
@Controller()
export class MembersController {
  constructor(
    @Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb,
    @Inject(InvitationMailer) private readonly mailer: InvitationMailer,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
    @Inject(INVITATION_LIMITER) private readonly limiter: InvitationLimiter,
  ) {}

  @Endpoint(R.listMembers)
  async list(@TenantOf() t: TenantAccess): Out<'listMembers'> {
    return { members: (await new MembershipRepository(this.cp).listMembers(t.tenantId)).map(toMemberDto) };
  }

  @Endpoint(R.changeMemberRole)
  async changeRole(@TenantOf() t: TenantAccess, @Input() { params, body }: ParsedInput<typeof R.changeMemberRole>): Out<'changeMemberRole'> {
    return this.cp.db.transaction().execute(async (trx) => {
      const members = new MembershipRepository(trx);
      const target = await members.findMember(t.tenantId, params.userId);
      if (!target) throw new NotFoundException(`userId: no member ${params.userId} in this tenant`);
      if ((target.role === 'owner' || body.role === 'owner') && t.role !== 'owner') throw new ForbiddenException('only an owner can make or unmake owners');
      if (target.role === 'owner' && body.role !== 'owner' && (await members.countOwners(t.tenantId)) <= 1) {
        throw new ConflictException('role: this is the last owner; make someone else owner first');
      }
      await members.setRole(t.tenantId, params.userId, body.role);
      await new AuditLogRepository(trx).record({ tenantId: t.tenantId, actor: t.actor, action: 'member.role_change', target: `user:${params.userId}`, details: { email: target.email, from: target.role, to: body.role } });
      return toMemberDto({ ...target, role: body.role });
    });
  }

  @Endpoint(R.removeMember)
  async remove(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.removeMember>): Promise<void> {
    await this.cp.db.transaction().execute(async (trx) => {
      const members = new MembershipRepository(trx);
      const target = await members.findMember(t.tenantId, params.userId);
      if (!target) throw new NotFoundException(`userId: no member ${params.userId} in this tenant`);
      if (target.role === 'owner' && t.role !== 'owner') throw new ForbiddenException('only an owner can remove an owner');
      if (target.role === 'owner' && (await members.countOwners(t.tenantId)) <= 1) throw new ConflictException('userId: this is the last owner; make someone else owner first');
      await members.remove(t.tenantId, params.userId);
      await new AuditLogRepository(trx).record({ tenantId: t.tenantId, actor: t.actor, action: 'member.remove', target: `user:${params.userId}`, details: { email: target.email, role: target.role } });
    });
  }

  @Endpoint(R.listInvitations)
  async invitations(@TenantOf() t: TenantAccess): Out<'listInvitations'> {
    return { invitations: (await new InvitationRepository(this.cp).listForTenant(t.tenantId)).map(toInvitationDto) };
  }

  @Endpoint(R.createInvitation)
  async invite(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.createInvitation>, @Res({ passthrough: true }) res: Response): Out<'createInvitation'> {
    const tenant = await new TenantRepository(this.cp).findById(t.tenantId);
    if (!tenant) throw new NotFoundException();
    const invitedBy = t.actor.startsWith('user:') ? t.actor.slice('user:'.length) : null;
    if (!invitedBy) throw new ForbiddenException('invitations are sent by signed-in users, not api keys');
    try {
      this.limiter.take(t.tenantId, invitedBy, body.email);
    } catch (e) {
      if (e instanceof InvitationRateLimitError) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      throw e;
    }
    const { token, invitation } = await new InvitationRepository(this.cp).create({ tenantId: t.tenantId, email: body.email, role: body.role, invitedBy, ttlMs: this.options.invitationTtlMs });
    const acceptUrl = `${this.options.publicUrl.replace(/\/$/, '')}/invite?token=${encodeURIComponent(token)}`;
    await new AuditLogRepository(this.cp).record({ tenantId: t.tenantId, actor: t.actor, action: 'invitation.create', target: `invitation:${invitation.id}`, details: { email: invitation.email, role: invitation.role } });
    const emailDelivery = await this.mailer.send({ to: invitation.email, tenantName: tenant.name, role: invitation.role, invitedBy: invitation.invitedBy, acceptUrl });
    return { invitation: toInvitationDto(invitation), acceptUrl, emailDelivery };
  }

  @Endpoint(R.revokeInvitation)
  async revokeInvitation(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.revokeInvitation>): Promise<void> {
    if (!(await new InvitationRepository(this.cp).revoke(t.tenantId, params.invitationId))) throw new NotFoundException(`invitationId: no pending invitation ${params.invitationId}`);
    await new AuditLogRepository(this.cp).record({ tenantId: t.tenantId, actor: t.actor, action: 'invitation.revoke', target: `invitation:${params.invitationId}` });
  }
}

function toMemberDto(m: Member) {
  return { userId: m.userId, email: m.email, role: m.role, since: m.since.toISOString() };
}

function toInvitationDto(i: Invitation) {
  return { id: i.id, email: i.email, role: i.role, invitedBy: i.invitedBy, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString(), acceptedAt: iso(i.acceptedAt), revokedAt: iso(i.revokedAt) };
}
