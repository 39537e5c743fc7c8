import { z } from 'zod';
import { defineRoute } from '../route';
import * as a from '../schemas/account';
import { tenantParams } from '../schemas/common';

const okResponse = z.object({ ok: z.literal(true) });

/** Accounts, sessions, tenants, members, keys and the audit log (control plane). */
export const ACCOUNT_ROUTES = {
  // --- public -------------------------------------------------------------------------------
  listRegions: defineRoute({ method: 'GET', path: '/api/v1/regions', tag: 'account', auth: 'public', summary: 'Data regions a tenant can choose', response: a.regionsResponse }),
  signUp: defineRoute({
    method: 'POST',
    path: '/api/v1/auth/signup',
    tag: 'account',
    auth: 'public',
    status: 201,
    summary: 'Sign up: with an invitation, create the account and sign in; without, email a link that finishes it (the same answer whether the email has an account)',
    body: a.signUpBody,
    response: a.signUpResponse,
  }),
  verifyEmail: defineRoute({ method: 'POST', path: '/api/v1/auth/verify-email', tag: 'account', auth: 'public', status: 201, summary: "Finish a sign-up with its emailed link's token (creates the account, signs in)", body: a.verifyEmailBody, response: a.sessionResponse }),
  signIn: defineRoute({ method: 'POST', path: '/api/v1/auth/login', tag: 'account', auth: 'public', summary: 'Sign in with email and password (sets the session cookie)', body: a.credentialsBody, response: a.sessionResponse }),

  // --- signed-in user -------------------------------------------------------------------------
  getSession: defineRoute({ method: 'GET', path: '/api/v1/auth/session', tag: 'account', auth: 'user', summary: 'The signed-in user, their tenants and the CSRF token', response: a.sessionResponse }),
  signOut: defineRoute({ method: 'POST', path: '/api/v1/auth/logout', tag: 'account', auth: 'user', summary: 'End this session', response: okResponse }),
  listTenants: defineRoute({ method: 'GET', path: '/api/v1/tenants', tag: 'tenants', auth: 'user', summary: "The signed-in user's tenants", response: a.tenantsResponse }),
  createTenant: defineRoute({ method: 'POST', path: '/api/v1/tenants', tag: 'tenants', auth: 'user', status: 201, summary: 'Create a tenant in a chosen data region (you become its owner)', body: a.createTenantBody, response: a.tenantSchema }),
  acceptInvitation: defineRoute({ method: 'POST', path: '/api/v1/invitations/accept', tag: 'members', auth: 'user', summary: 'Join the tenant an invitation is for', body: a.acceptInvitationBody, response: a.tenantSummarySchema }),

  // --- tenant settings --------------------------------------------------------------------------
  getTenant: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}', tag: 'tenants', auth: 'tenant', minRole: 'viewer', summary: 'Tenant settings', params: tenantParams, response: a.tenantSchema }),
  updateTenant: defineRoute({ method: 'PATCH', path: '/api/v1/tenants/{tenant}', tag: 'tenants', auth: 'tenant', minRole: 'admin', summary: 'Rename a tenant (its region cannot change)', params: tenantParams, body: a.updateTenantBody, response: a.tenantSchema }),
  listMembers: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/members', tag: 'members', auth: 'tenant', minRole: 'viewer', summary: 'Members and their roles', params: tenantParams, response: a.membersResponse }),
  changeMemberRole: defineRoute({ method: 'PATCH', path: '/api/v1/tenants/{tenant}/members/{userId}', tag: 'members', auth: 'tenant', minRole: 'admin', summary: "Change a member's role", params: a.memberParams, body: a.changeRoleBody, response: a.memberSchema }),
  removeMember: defineRoute({ method: 'DELETE', path: '/api/v1/tenants/{tenant}/members/{userId}', tag: 'members', auth: 'tenant', minRole: 'admin', status: 204, summary: 'Remove a member', params: a.memberParams }),
  listInvitations: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/invitations', tag: 'members', auth: 'tenant', minRole: 'admin', summary: 'Pending and past invitations', params: tenantParams, response: a.invitationsResponse }),
  createInvitation: defineRoute({ method: 'POST', path: '/api/v1/tenants/{tenant}/invitations', tag: 'members', auth: 'tenant', minRole: 'admin', status: 201, summary: 'Invite someone by email with a role', params: tenantParams, body: a.createInvitationBody, response: a.createdInvitationResponse }),
  revokeInvitation: defineRoute({ method: 'DELETE', path: '/api/v1/tenants/{tenant}/invitations/{invitationId}', tag: 'members', auth: 'tenant', minRole: 'admin', status: 204, summary: 'Revoke a pending invitation', params: a.invitationParams }),
  listKeys: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/keys', tag: 'keys', auth: 'tenant', minRole: 'viewer', summary: 'Ingest and api keys (prefixes only)', params: tenantParams, response: a.keysResponse }),
  createKey: defineRoute({ method: 'POST', path: '/api/v1/tenants/{tenant}/keys', tag: 'keys', auth: 'tenant', minRole: 'admin', status: 201, summary: 'Create a key; the full key is in this answer only', params: tenantParams, body: a.createKeyBody, response: a.createdKeyResponse }),
  revokeKey: defineRoute({ method: 'DELETE', path: '/api/v1/tenants/{tenant}/keys/{keyId}', tag: 'keys', auth: 'tenant', minRole: 'admin', status: 204, summary: 'Revoke a key (intake refuses it within seconds)', params: a.keyParams }),
  listAudit: defineRoute({ method: 'GET', path: '/api/v1/tenants/{tenant}/audit', tag: 'audit', auth: 'tenant', minRole: 'admin', summary: 'Security-relevant actions, newest first', params: tenantParams, query: a.auditQuery, response: a.auditResponse }),
} as const;
