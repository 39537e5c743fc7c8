import { Controller, Inject, UseFilters } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput } from '@meridian/api-contract';
import { Endpoint, Input, RetryAfterFilter, TenantOf, type TenantAccess } from '@meridian/api-http';
import { InvitationsService } from './invitations.service';
import { MembersService } from './members.service';
import type { Answer } from './route-types';

/** Members, roles and invitations of a tenant. */
@Controller()
export class MembersController {
  constructor(
    @Inject(MembersService) private readonly members: MembersService,
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
  ) {}

  @Endpoint(R.listMembers)
  list(@TenantOf() t: TenantAccess): Answer<'listMembers'> {
    return this.members.list(t);
  }

  @Endpoint(R.changeMemberRole)
  changeRole(@TenantOf() t: TenantAccess, @Input() { params, body }: ParsedInput<typeof R.changeMemberRole>): Answer<'changeMemberRole'> {
    return this.members.changeRole(t, params.userId, body);
  }

  @Endpoint(R.removeMember)
  remove(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.removeMember>): Promise<void> {
    return this.members.remove(t, params.userId);
  }

  @Endpoint(R.listInvitations)
  listInvitations(@TenantOf() t: TenantAccess): Answer<'listInvitations'> {
    return this.invitations.list(t);
  }

  @Endpoint(R.createInvitation)
  @UseFilters(RetryAfterFilter)
  invite(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.createInvitation>): Answer<'createInvitation'> {
    return this.invitations.invite(t, body);
  }

  @Endpoint(R.revokeInvitation)
  revokeInvitation(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.revokeInvitation>): Promise<void> {
    return this.invitations.revoke(t, params.invitationId);
  }
}
