export { Endpoint, ROUTE_DEF } from './endpoint';
export { Input, TenantOf, PrincipalOf } from './input';
export { fieldError, type FieldIssue } from './field-error';
export { actorOf, type ApiRequest, type Principal, type TenantAccess } from './request-context';
export { RetryAfterError, RetryAfterFilter } from './retry-after';
export { abortWhenRequestEnds, type SignalScope } from './request-signal';
