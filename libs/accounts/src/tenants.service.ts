import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { fieldError, type Principal, type TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, MembershipRepository, type Tenant, TenantProvisioningService, TenantRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso, mapErrors } from './http-errors';
import type { Answer, BodyOf } from './route-types';

/** Regions, and the tenants users create, belong to and rename. */
@Injectable()
export class TenantsService {
  constructor(
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
    @Inject(MembershipRepository) private readonly memberships: MembershipRepository,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(TenantProvisioningService) private readonly provisioning: TenantProvisioningService,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async regions(): Answer<'listRegions'> {
    return {
      regions: this.options.regions.map((r) => ({ id: r.id, name: r.name, location: r.location })),
      defaultRegion: this.options.defaultRegion,
    };
  }

  async list(p: Principal): Answer<'listTenants'> {
    const memberships = p.kind === 'user' ? await this.memberships.listForUser(p.userId) : [];
    return { tenants: memberships.map((m) => ({ id: m.tenant.id, slug: m.tenant.slug, name: m.tenant.name, region: m.tenant.region, role: m.role })) };
  }

  /** A tenant with its region locked and the signed-in user its owner (api keys cannot make tenants). */
  async create(p: Principal, body: BodyOf<'createTenant'>): Answer<'createTenant'> {
    if (p.kind !== 'user') throw new NotFoundException();
    const tenant = await mapErrors(() => this.provisioning.createOwnedTenant({ ...body, actor: `user:${p.userId}` }, p.userId));
    return toTenantDto(tenant, 'owner');
  }

  async get(t: TenantAccess): Answer<'getTenant'> {
    return toTenantDto(await this.#tenant(t), t.role);
  }

  /**
   * Renames. The region is chosen once, at creation, and locked (a database trigger refuses any
   * change): moving telemetry between regions is not something an API call may do quietly.
   */
  async update(t: TenantAccess, body: BodyOf<'updateTenant'>): Answer<'updateTenant'> {
    const current = await this.#tenant(t);
    if (body.region !== undefined && body.region !== current.region) {
      throw fieldError(
        [{ field: 'body.region', message: `locked to ${current.region}` }],
        409,
        `region: tenant "${current.slug}" is locked to region ${current.region}; a tenant's data region never changes. Create a new tenant in ${body.region} instead.`,
      );
    }
    let updated = current;
    if (body.name !== undefined && body.name !== current.name) {
      updated = (await this.tenants.rename(current.id, body.name)) ?? current;
      await this.audit.record({
        tenantId: current.id,
        actor: t.actor,
        action: 'tenant.rename',
        target: `tenant:${current.id}`,
        details: { from: current.name, to: body.name },
      });
    }
    return toTenantDto(updated, t.role);
  }

  async #tenant(t: TenantAccess): Promise<Tenant> {
    const tenant = await this.tenants.findById(t.tenantId);
    if (!tenant) throw new NotFoundException(`tenant "${t.tenantSlug}" not found`);
    return tenant;
  }
}

function toTenantDto(t: Tenant, role: TenantAccess['role']) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    region: t.region,
    regionLockedAt: iso(t.regionLockedAt),
    retentionDays: t.retentionDays,
    createdAt: t.createdAt.toISOString(),
    role,
  };
}
