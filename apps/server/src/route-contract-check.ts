import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ROUTE_DEF } from '@meridian/api-http';

/** Routes served under /api that are not contract routes (documents about the API itself). */
const OUTSIDE_CONTRACT = new Set(['api/openapi.json']);

/**
 * Refuses to start when a controller serves an /api route without `@Endpoint(API_ROUTES.…)`:
 * such a route would skip the access guard's tenant/role checks, the OpenAPI document and the
 * cross-tenant access test, which all walk API_ROUTES.
 */
@Injectable()
export class RouteContractCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    const offenders: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const metatype = wrapper.metatype;
      const proto = metatype?.prototype as Record<string, unknown> | undefined;
      if (!metatype || !proto) continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '').replace(/^\/|\/$/g, '');
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const full = [prefix, String(path).replace(/^\//, '')].filter(Boolean).join('/');
        if (full.startsWith('api') && !OUTSIDE_CONTRACT.has(full) && !Reflect.getMetadata(ROUTE_DEF, handler))
          offenders.push(`${wrapper.name}.${name} (${full})`);
      }
    }
    if (offenders.length) throw new Error(`API routes outside the contract (use @Endpoint(API_ROUTES.…)): ${offenders.join(', ')}`);
  }
}
