import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, fieldError, Input, PrincipalOf, TenantOf, type Principal, type TenantAccess } from '@meridian/api-http';
import { acceptInvitation, AuditLogRepository, ControlPlaneDb, MembershipRepository, type Tenant, TenantProvisioningService, TenantRepository, UserRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso, mapErrors } from './http-errors';

type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

@Controller()
export class TenantsController {
  readonly #provisioning: TenantProvisioningService;

  constructor(
    @Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {
    this.#provisioning = new TenantProvisioningService(cp, options.regions.map((r) => r.id));
  }

  @Endpoint(R.listRegions)
  async regions(): Out<'listRegions'> {
    return {
      regions: this.options.regions.map((r) => ({ id: r.id, name: r.name, location: r.location })),
      defaultRegion: this.options.defaultRegion,
    };
  }

  @Endpoint(R.listTenants)
  async list(@PrincipalOf() p: Principal): Out<'listTenants'> {
    const memberships = p.kind === 'user' ? await new MembershipRepository(this.cp).listForUser(p.userId) : [];
    return { tenants: memberships.map((m) => ({ id: m.tenant.id, slug: m.tenant.slug, name: m.tenant.name, region: m.tenant.region, role: m.role })) };
  }

  @Endpoint(R.createTenant)
  async create(@PrincipalOf() p: Principal, @Input() { body }: ParsedInput<typeof R.createTenant>): Out<'createTenant'> {
    if (p.kind !== 'user') throw new NotFoundException();
    const tenant = await mapErrors(() => this.#provisioning.createOwnedTenant({ ...body, actor: `user:${p.userId}` }, p.userId));
    return toTenantDto(tenant, 'owner');
  }

  @Endpoint(R.acceptInvitation)
  async accept(@PrincipalOf() p: Principal, @Input() { body }: ParsedInput<typeof R.acceptInvitation>): Out<'acceptInvitation'> {
    if (p.kind !== 'user') throw new NotFoundException();
    const user = await new UserRepository(this.cp).findById(p.userId);
    if (!user) throw new NotFoundException('your account no longer exists');
    const m = await mapErrors(() => acceptInvitation(this.cp, user, body.token));
    return { id: m.tenant.id, slug: m.tenant.slug, name: m.tenant.name, region: m.tenant.region, role: m.role };
  }

  @Endpoint(R.getTenant)
  async get(@TenantOf() t: TenantAccess): Out<'getTenant'> {
    return toTenantDto(await this.#tenant(t), t.role);
  }

  /**
   * Renames. The region is chosen once, at creation, and locked (a database trigger refuses any
   * change): moving telemetry between regions is not something an API call may do quietly.
   */
  @Endpoint(R.updateTenant)
  async update(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.updateTenant>): Out<'updateTenant'> {
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
      updated = (await new TenantRepository(this.cp).rename(current.id, body.name)) ?? current;
      await new AuditLogRepository(this.cp).record({ tenantId: current.id, actor: t.actor, action: 'tenant.rename', target: `tenant:${current.id}`, details: { from: current.name, to: body.name } });
    }
    return toTenantDto(updated, t.role);
  }

  async #tenant(t: TenantAccess): Promise<Tenant> {
    const tenant = await new TenantRepository(this.cp).findById(t.tenantId);
    if (!tenant) throw new NotFoundException(`tenant "${t.tenantSlug}" not found`);
    return tenant;
  }
}

function toTenantDto(t: Tenant, role: TenantAccess['role']) {
  return { id: t.id, slug: t.slug, name: t.name, region: t.region, regionLockedAt: iso(t.regionLockedAt), retentionDays: t.retentionDays, createdAt: t.createdAt.toISOString(), role };
}
