import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import {
  AuditLogRepository,
  ControlPlaneDb,
  ControlPlaneTransactions,
  type MembershipRole,
  MembershipRepository,
  TenantProvisioningService,
  UserRepository,
} from '@meridian/control-plane';
import { MembersService } from './members.service';

describe('MembersService (on PGlite)', () => {
  let cp: ControlPlaneDb;
  let service: MembersService;
  let audit: AuditLogRepository;
  let n = 0;

  beforeAll(async () => {
    cp = await ControlPlaneDb.open({ pgliteDir: ':memory:' });
    await cp.migrate();
    audit = new AuditLogRepository(cp);
    service = new MembersService(new MembershipRepository(cp), audit, new ControlPlaneTransactions(cp));
  }, 30_000);
  afterAll(() => cp?.close());

  /** A fresh tenant with one member per role given; `as(i)` is member i acting. */
  async function tenantWith(...roles: MembershipRole[]) {
    const { tenant } = await new TenantProvisioningService(cp, ['r1']).provisionTenant({ slug: `members-${++n}`, name: 'M', region: 'r1', actor: 'test' });
    const users = await Promise.all(roles.map((_, i) => new UserRepository(cp).create(`u${i}-${n}@example.com`, 'h')));
    for (const [i, u] of users.entries()) await new MembershipRepository(cp).add(tenant.id, u.id, roles[i]);
    const as = (i: number): TenantAccess => ({ tenantId: tenant.id, tenantSlug: tenant.slug, region: 'r1', role: roles[i], actor: `user:${users[i].id}` });
    const roleOf = async (i: number) => (await new MembershipRepository(cp).findMember(tenant.id, users[i].id))?.role;
    const actions = async () => (await audit.listForTenant(tenant.id)).map((e) => e.action).filter((a) => a.startsWith('member.'));
    return { tenant, users, as, roleOf, actions };
  }

  it('keeps the last owner: neither demoted nor removed, nothing written or audited', async () => {
    const { users, as, roleOf, actions } = await tenantWith('owner', 'admin');
    const demote = await service.changeRole(as(0), users[0].id, { role: 'admin' }).catch((e: unknown) => e);
    expect(demote).toBeInstanceOf(ConflictException);
    expect((demote as Error).message).toBe('role: this is the last owner; make someone else owner first');
    const remove = await service.remove(as(0), users[0].id).catch((e: unknown) => e);
    expect(remove).toBeInstanceOf(ConflictException);
    expect((remove as Error).message).toBe('userId: this is the last owner; make someone else owner first');
    expect(await roleOf(0)).toBe('owner');
    expect(await actions()).toEqual([]);
  });

  it('lets only an owner make, unmake or remove owners', async () => {
    const { users, as, roleOf } = await tenantWith('owner', 'owner', 'admin', 'member');
    await expect(service.changeRole(as(2), users[3].id, { role: 'owner' })).rejects.toThrow(new ForbiddenException('only an owner can make or unmake owners'));
    await expect(service.changeRole(as(2), users[1].id, { role: 'member' })).rejects.toThrow(new ForbiddenException('only an owner can make or unmake owners'));
    await expect(service.remove(as(2), users[1].id)).rejects.toThrow(new ForbiddenException('only an owner can remove an owner'));
    expect(await roleOf(1)).toBe('owner');
    // An admin still manages the roles below owner.
    await expect(service.changeRole(as(2), users[3].id, { role: 'viewer' })).resolves.toMatchObject({ userId: users[3].id, role: 'viewer' });
  });

  it('demotes one of two owners, then refuses the other; each change audited with before and after', async () => {
    const { users, as, roleOf, actions } = await tenantWith('owner', 'owner');
    expect(await service.changeRole(as(0), users[1].id, { role: 'admin' })).toMatchObject({ userId: users[1].id, email: users[1].email, role: 'admin' });
    await expect(service.remove(as(0), users[0].id)).rejects.toBeInstanceOf(ConflictException);
    expect(await roleOf(1)).toBe('admin');
    const [entry] = await audit.listForTenant(as(0).tenantId, 1);
    expect(entry).toMatchObject({
      actor: as(0).actor,
      action: 'member.role_change',
      target: `user:${users[1].id}`,
      details: { email: users[1].email, from: 'owner', to: 'admin' },
    });
    await service.remove(as(0), users[1].id);
    expect(await roleOf(1)).toBeUndefined();
    expect(await actions()).toEqual(['member.remove', 'member.role_change']);
  });

  it('answers 404 naming the member for someone not in the tenant', async () => {
    const { as } = await tenantWith('owner');
    const other = await tenantWith('owner');
    await expect(service.changeRole(as(0), other.users[0].id, { role: 'member' })).rejects.toThrow(
      new NotFoundException(`userId: no member ${other.users[0].id} in this tenant`),
    );
    await expect(service.remove(as(0), 'not-a-uuid')).rejects.toThrow(new NotFoundException('userId: no member not-a-uuid in this tenant'));
  });
});
