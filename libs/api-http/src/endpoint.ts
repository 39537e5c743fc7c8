import { applyDecorators, HttpCode, RequestMapping, RequestMethod, SetMetadata } from '@nestjs/common';
import { expressPath, type HttpMethod, type RouteDef } from '@meridian/api-contract';

/** Metadata key holding the contract route of a handler (read by the access guard). */
export const ROUTE_DEF = 'meridian:route';

const METHODS: Record<HttpMethod, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PATCH: RequestMethod.PATCH,
  PUT: RequestMethod.PUT,
  DELETE: RequestMethod.DELETE,
};

/**
 * Serves a contract route: method, path and status come from the contract, so a handler cannot
 * drift from the OpenAPI document. Use on controllers without a path prefix (`@Controller()`).
 */
export function Endpoint(route: RouteDef): MethodDecorator {
  return applyDecorators(
    RequestMapping({ path: expressPath(route.path), method: METHODS[route.method] }),
    HttpCode(route.status ?? 200),
    SetMetadata(ROUTE_DEF, route),
  );
}
