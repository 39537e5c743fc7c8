export {
  ROLES,
  roleAtLeast,
  expressPath,
  defineRoute,
  type Role,
  type RouteAuth,
  type RouteDef,
  type HttpMethod,
  type ParsedInput,
  type RequestInput,
  type ResponseOf,
} from './route';
export { API_ROUTES, type ApiRoutes, type RouteName } from './routes';
export { buildOpenApiDocument } from './openapi';
export { ApiClient, ApiError, type ApiClientOptions } from './client';
export * from './schemas/common';
export * from './schemas/account';
export * from './schemas/telemetry';
export * from './schemas/database';
export * from './schemas/alerting';
export * from './schemas/limits';
export * from './schemas/traces';
export * from './schemas/service-map';
export * from './schemas/logs';
export * from './schemas/metrics';
export * from './schemas/hosts';
export * from './schemas/kubernetes';
