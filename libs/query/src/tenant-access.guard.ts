import { type CanActivate, type ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { API_KEY_VERIFIER, type ApiIdentity, type ApiKeyVerifier } from './api-identity';

export type TenantRequest = Request & { tenant: ApiIdentity };

/**
 * Every route under /api/v1/tenants/:tenant/… passes here: the bearer token must belong to the
 * tenant named in the path. Another tenant's slug answers 404, the same as a tenant that does
 * not exist, so ids can't be probed.
 */
@Injectable()
export class TenantAccessGuard implements CanActivate {
  constructor(@Inject(API_KEY_VERIFIER) private readonly keys: ApiKeyVerifier) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<TenantRequest>();
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new UnauthorizedException('missing API token: send "Authorization: Bearer <api key>"');
    const identity = await this.keys.verify(m[1]);
    if (!identity) throw new UnauthorizedException('invalid or revoked API token');
    const named = String(req.params.tenant ?? '');
    if (named !== identity.tenantSlug && named !== identity.tenantId) throw new NotFoundException(`tenant "${named}" not found`);
    req.tenant = identity;
    return true;
  }
}
