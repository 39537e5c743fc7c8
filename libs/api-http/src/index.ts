export { Endpoint, ROUTE_DEF } from './endpoint';
export { Input, TenantOf, PrincipalOf } from './input';
export { actorOf, type ApiRequest, type Principal, type TenantAccess } from './request-context';
