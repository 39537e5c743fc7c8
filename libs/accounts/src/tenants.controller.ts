import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput } from '@meridian/api-contract';
import { Endpoint, Input, PrincipalOf, TenantOf, type Principal, type TenantAccess } from '@meridian/api-http';
import { InvitationsService } from './invitations.service';
import type { Answer } from './route-types';
import { TenantsService } from './tenants.service';

@Controller()
export class TenantsController {
  constructor(
    @Inject(TenantsService) private readonly tenants: TenantsService,
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
  ) {}

  @Endpoint(R.listRegions)
  regions(): Answer<'listRegions'> {
    return this.tenants.regions();
  }

  @Endpoint(R.listTenants)
  list(@PrincipalOf() p: Principal): Answer<'listTenants'> {
    return this.tenants.list(p);
  }

  @Endpoint(R.createTenant)
  create(@PrincipalOf() p: Principal, @Input() { body }: ParsedInput<typeof R.createTenant>): Answer<'createTenant'> {
    return this.tenants.create(p, body);
  }

  @Endpoint(R.acceptInvitation)
  accept(@PrincipalOf() p: Principal, @Input() { body }: ParsedInput<typeof R.acceptInvitation>): Answer<'acceptInvitation'> {
    return this.invitations.accept(p, body.token);
  }

  @Endpoint(R.getTenant)
  get(@TenantOf() t: TenantAccess): Answer<'getTenant'> {
    return this.tenants.get(t);
  }

  @Endpoint(R.updateTenant)
  update(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.updateTenant>): Answer<'updateTenant'> {
    return this.tenants.update(t, body);
  }
}
