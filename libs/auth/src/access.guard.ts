import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { roleAtLeast, type Role, type RouteDef } from '@meridian/api-contract';
import { actorOf, type ApiRequest, type Principal, ROUTE_DEF, type TenantAccess } from '@meridian/api-http';
import { MembershipRepository, TenantRepository } from '@meridian/control-plane';
import { CsrfProtection } from './csrf';
import { OperatorToken } from './operator-token';

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

class SessionOrKeyGuard extends AuthGuard(['mrd-session', 'mrd-api-key']) {
  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw new UnauthorizedException('sign in first (session cookie) or send "Authorization: Bearer <api key>"');
    return user;
  }
}

/**
 * Every contract route passes here (global guard): authenticates the caller (passport: session
 * cookie or api key), enforces CSRF on cookie-authenticated writes, and for tenant routes
 * resolves `{tenant}` to the caller's membership and checks the route's minimum role. A tenant
 * the caller does not belong to answers 404 — the same as one that does not exist — so ids
 * and slugs cannot be probed. Operator routes take only the operator token (no session, no api
 * key), checked before any tenant lookup.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  readonly #authenticate = new SessionOrKeyGuard();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
    @Inject(MembershipRepository) private readonly memberships: MembershipRepository,
    @Inject(CsrfProtection) private readonly csrf: CsrfProtection,
    @Inject(OperatorToken) private readonly operatorToken: OperatorToken,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<RouteDef | undefined>(ROUTE_DEF, ctx.getHandler());
    if (!route || route.auth === 'public') return true;
    const req = ctx.switchToHttp().getRequest<ApiRequest>();
    if (route.auth === 'operator') {
      // Checked before the tenant is looked up: a non-operator learns nothing about tenants.
      this.operatorToken.check(req.headers.authorization);
      req.tenantAccess = await this.#operatorAccess(String(req.params.tenant ?? ''));
      return true;
    }
    await this.#authenticate.canActivate(ctx);
    const principal = req.user as Principal;
    req.principal = principal;
    if (principal.kind === 'user' && UNSAFE.has(req.method)) this.csrf.check(req);
    if (route.auth === 'user') {
      if (principal.kind !== 'user') throw new UnauthorizedException('this route needs a signed-in user, not an api key');
      return true;
    }
    req.tenantAccess = await this.#tenantAccess(principal, String(req.params.tenant ?? ''), route.minRole ?? 'viewer');
    return true;
  }

  /** The operator acts on any tenant, by slug or id; it outranks every member there. */
  async #operatorAccess(named: string): Promise<TenantAccess> {
    const t = (await this.tenants.findBySlug(named)) ?? (await this.tenants.findById(named));
    if (!t) throw new NotFoundException(`tenant "${named}" not found`);
    return { tenantId: t.id, tenantSlug: t.slug, region: t.region, role: 'owner', actor: 'operator:api' };
  }

  async #tenantAccess(principal: Principal, named: string, minRole: Role): Promise<TenantAccess> {
    const notFound = new NotFoundException(`tenant "${named}" not found`);
    let access: TenantAccess;
    if (principal.kind === 'user') {
      const m = await this.memberships.find(principal.userId, named);
      if (!m) throw notFound;
      access = { tenantId: m.tenant.id, tenantSlug: m.tenant.slug, region: m.tenant.region, role: m.role, actor: actorOf(principal) };
    } else {
      const t = await this.tenants.findById(principal.tenantId);
      if (!t || (named !== t.slug && named !== t.id)) throw notFound;
      // Api keys are for scripts: they read and write like a member, never administer.
      access = { tenantId: t.id, tenantSlug: t.slug, region: t.region, role: 'member', actor: actorOf(principal) };
    }
    if (!roleAtLeast(access.role, minRole))
      throw new ForbiddenException(`this needs the ${minRole} role in tenant "${access.tenantSlug}"; you have ${access.role}`);
    return access;
  }
}
