import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, ControlPlaneTransactions, type Member, MembershipRepository } from '@meridian/control-plane';
import type { Answer, BodyOf } from './route-types';

/**
 * Members and roles. Owners are protected: only an owner may make or unmake an owner, and the
 * last owner can be neither demoted nor removed, so a tenant is never orphaned. Each change is
 * checked, made and audited in one transaction, so two admins cannot both remove "the other" owner.
 */
@Injectable()
export class MembersService {
  constructor(
    @Inject(MembershipRepository) private readonly members: MembershipRepository,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(ControlPlaneTransactions) private readonly transactions: ControlPlaneTransactions,
  ) {}

  async list(t: TenantAccess): Answer<'listMembers'> {
    return { members: (await this.members.listMembers(t.tenantId)).map(toMemberDto) };
  }

  changeRole(t: TenantAccess, userId: string, { role }: BodyOf<'changeMemberRole'>): Answer<'changeMemberRole'> {
    return this.transactions.run(async () => {
      const target = await this.#member(t, userId);
      if ((target.role === 'owner' || role === 'owner') && t.role !== 'owner') throw new ForbiddenException('only an owner can make or unmake owners');
      if (target.role === 'owner' && role !== 'owner' && (await this.members.countOwners(t.tenantId)) <= 1) {
        throw new ConflictException('role: this is the last owner; make someone else owner first');
      }
      await this.members.setRole(t.tenantId, userId, role);
      await this.audit.record({
        tenantId: t.tenantId,
        actor: t.actor,
        action: 'member.role_change',
        target: `user:${userId}`,
        details: { email: target.email, from: target.role, to: role },
      });
      return toMemberDto({ ...target, role });
    });
  }

  remove(t: TenantAccess, userId: string): Promise<void> {
    return this.transactions.run(async () => {
      const target = await this.#member(t, userId);
      if (target.role === 'owner' && t.role !== 'owner') throw new ForbiddenException('only an owner can remove an owner');
      if (target.role === 'owner' && (await this.members.countOwners(t.tenantId)) <= 1)
        throw new ConflictException('userId: this is the last owner; make someone else owner first');
      await this.members.remove(t.tenantId, userId);
      await this.audit.record({
        tenantId: t.tenantId,
        actor: t.actor,
        action: 'member.remove',
        target: `user:${userId}`,
        details: { email: target.email, role: target.role },
      });
    });
  }

  async #member(t: TenantAccess, userId: string): Promise<Member> {
    const target = await this.members.findMember(t.tenantId, userId);
    if (!target) throw new NotFoundException(`userId: no member ${userId} in this tenant`);
    return target;
  }
}

function toMemberDto(m: Member) {
  return { userId: m.userId, email: m.email, role: m.role, since: m.since.toISOString() };
}
