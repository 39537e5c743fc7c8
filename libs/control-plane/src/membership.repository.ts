import type { Selectable } from 'kysely';
import type { Member, Membership, MembershipRole, TenantsTable } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { isUuid } from './postgres-errors';
import { toTenant } from './tenant.repository';

/** Who belongs to which tenant with which role. */
export class MembershipRepository extends ControlPlaneRepository {
  /** The user's tenants with their role, by tenant name. */
  async listForUser(userId: string): Promise<Membership[]> {
    if (!isUuid(userId)) return [];
    const rows = await this.#withTenants(userId).orderBy('t.name').execute();
    return rows.map(toMembership);
  }

  /** The user's membership in the tenant named by slug or id, or undefined. */
  async find(userId: string, tenantSlugOrId: string): Promise<Membership | undefined> {
    if (!isUuid(userId)) return undefined;
    const row = await this.#withTenants(userId)
      .where((eb) => (isUuid(tenantSlugOrId) ? eb('t.id', '=', tenantSlugOrId) : eb('t.slug', '=', tenantSlugOrId)))
      .executeTakeFirst();
    return row && toMembership(row);
  }

  /** One member of the tenant, or undefined. */
  async findMember(tenantId: string, userId: string): Promise<Member | undefined> {
    if (!isUuid(userId)) return undefined;
    const row = await this.#members(tenantId).where('m.user_id', '=', userId).executeTakeFirst();
    return row && toMember(row);
  }

  async listMembers(tenantId: string): Promise<Member[]> {
    const rows = await this.#members(tenantId).orderBy('u.email').execute();
    return rows.map(toMember);
  }

  /** Adds the member, or keeps the existing membership (its role unchanged). */
  async add(tenantId: string, userId: string, role: MembershipRole): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ tenant_id: tenantId, user_id: userId, role })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async setRole(tenantId: string, userId: string, role: MembershipRole): Promise<boolean> {
    if (!isUuid(userId)) return false;
    const r = await this.db.updateTable('memberships').set({ role }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async remove(tenantId: string, userId: string): Promise<boolean> {
    if (!isUuid(userId)) return false;
    const r = await this.db.deleteFrom('memberships').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  #withTenants(userId: string) {
    return this.db
      .selectFrom('memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .selectAll('t')
      .select('m.role')
      .where('m.user_id', '=', userId);
  }

  #members(tenantId: string) {
    return this.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.created_at'])
      .where('m.tenant_id', '=', tenantId);
  }

  async countOwners(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toMembership(row: Selectable<TenantsTable> & { role: MembershipRole }): Membership {
  return { tenant: toTenant(row), role: row.role };
}

function toMember(r: { user_id: string; email: string; role: MembershipRole; created_at: Date }): Member {
  return { userId: r.user_id, email: r.email, role: r.role, since: r.created_at };
}
