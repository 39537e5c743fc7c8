import type { Kysely, Selectable } from 'kysely';
import type { ControlPlaneSchema, Member, Membership, MembershipRole, TenantsTable } from './control-plane-schema';
import { executorOf, type ControlPlaneExecutor } from './control-plane-db';
import { isUuid } from './postgres-errors';
import { toTenant } from './tenant.repository';

/** Who belongs to which tenant with which role. */
export class MembershipRepository {
  private readonly db: Kysely<ControlPlaneSchema>;

  constructor(source: ControlPlaneExecutor) {
    this.db = executorOf(source);
  }

  /** The user's tenants with their role, by tenant name. */
  async listForUser(userId: string): Promise<Membership[]> {
    if (!isUuid(userId)) return [];
    const rows = await this.db
      .selectFrom('memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .selectAll('t')
      .select('m.role')
      .where('m.user_id', '=', userId)
      .orderBy('t.name')
      .execute();
    return rows.map((r) => ({ tenant: toTenant(r as Selectable<TenantsTable>), role: r.role }));
  }

  /** The user's membership in the tenant named by slug or id, or undefined. */
  async find(userId: string, tenantSlugOrId: string): Promise<Membership | undefined> {
    if (!isUuid(userId)) return undefined;
    const row = await this.db
      .selectFrom('memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .selectAll('t')
      .select('m.role')
      .where('m.user_id', '=', userId)
      .where((eb) => (isUuid(tenantSlugOrId) ? eb('t.id', '=', tenantSlugOrId) : eb('t.slug', '=', tenantSlugOrId)))
      .executeTakeFirst();
    return row && { tenant: toTenant(row as Selectable<TenantsTable>), role: row.role };
  }

  async listMembers(tenantId: string): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.created_at'])
      .where('m.tenant_id', '=', tenantId)
      .orderBy('u.email')
      .execute();
    return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role, since: r.created_at }));
  }

  /** Adds the member, or keeps the existing membership (its role unchanged). */
  async add(tenantId: string, userId: string, role: MembershipRole): Promise<void> {
    await this.db.insertInto('memberships').values({ tenant_id: tenantId, user_id: userId, role }).onConflict((oc) => oc.doNothing()).execute();
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
