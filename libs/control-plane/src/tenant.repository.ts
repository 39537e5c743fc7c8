import type { Selectable } from 'kysely';
import type { Tenant, TenantsTable } from './control-plane-schema';
import { isUuid } from './postgres-errors';
import { ControlPlaneRepository } from './control-plane-transactions';

export interface NewTenant {
  slug: string;
  name: string;
  region: string;
  retentionDays?: number;
}

/**
 * Tenants table. Thin: input rules live in TenantProvisioningService. Takes a Kysely instance
 * or a transaction, so a service can group several repositories in one transaction.
 */
export class TenantRepository extends ControlPlaneRepository {
  async create(input: NewTenant): Promise<Tenant> {
    const row = await this.db
      .insertInto('tenants')
      .values({ slug: input.slug, name: input.name, region: input.region, retention_days: input.retentionDays })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTenant(row);
  }

  async findById(id: string): Promise<Tenant | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async findBySlug(slug: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('slug').execute();
    return rows.map(toTenant);
  }

  async rename(id: string, name: string): Promise<Tenant | undefined> {
    const row = await this.db.updateTable('tenants').set({ name }).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toTenant(row);
  }

  /**
   * Makes the tenant's region final (sets region_locked_at once; a database trigger then
   * refuses any change of region). Returns the tenant, or undefined when it does not exist.
   */
  async lockRegion(id: string): Promise<Tenant | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db
      .updateTable('tenants')
      .set((eb) => ({ region_locked_at: eb.fn.coalesce('region_locked_at', eb.fn<Date>('now')) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toTenant(row);
  }
}

export function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    region: row.region,
    regionLockedAt: row.region_locked_at,
    retentionDays: row.retention_days,
    createdAt: row.created_at,
  };
}
