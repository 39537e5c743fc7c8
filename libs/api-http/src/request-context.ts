import type { Role } from '@meridian/api-contract';
import type { Request } from 'express';

/** Who is calling, as established by the access guard. */
export type Principal = { kind: 'user'; userId: string; email: string; sessionId: string } | { kind: 'api-key'; keyId: string; tenantId: string };

/** The tenant a tenant route acts on, resolved from `{tenant}` and checked against the principal. */
export interface TenantAccess {
  tenantId: string;
  tenantSlug: string;
  /** The tenant's data region: every read and write of its telemetry goes there only. */
  region: string;
  role: Role;
  /** For the audit log: `user:<id>` or `api_key:<id>`. */
  actor: string;
}

export interface ApiRequest extends Request {
  principal?: Principal;
  tenantAccess?: TenantAccess;
}

export function actorOf(principal: Principal): string {
  return principal.kind === 'user' ? `user:${principal.userId}` : `api_key:${principal.keyId}`;
}
