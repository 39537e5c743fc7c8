import { createParamDecorator, type ExecutionContext, InternalServerErrorException, UnauthorizedException } from '@nestjs/common';
import type { ParsedInput, RouteDef } from '@meridian/api-contract';
import type { z } from 'zod';
import { ROUTE_DEF } from './endpoint';
import { fieldError, issueFromZod, type FieldIssue } from './field-error';
import type { ApiRequest, Principal, TenantAccess } from './request-context';

/**
 * The request's params, query and body, validated by the route's contract schemas. A bad
 * request answers 400 with one `issues` entry per field (`body.email`, `query.limit`).
 */
export const Input = createParamDecorator((_: unknown, ctx: ExecutionContext): ParsedInput<RouteDef> => {
  const route = Reflect.getMetadata(ROUTE_DEF, ctx.getHandler()) as RouteDef | undefined;
  if (!route) throw new InternalServerErrorException('@Input() used on a handler without @Endpoint()');
  const req = ctx.switchToHttp().getRequest<ApiRequest>();
  const issues: FieldIssue[] = [];
  const parse = (part: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const input = part === 'body' ? (value ?? {}) : value;
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    for (const issue of result.error.issues) issues.push(issueFromZod(part, issue, input));
    return undefined;
  };
  const input = { params: parse('params', route.params, req.params), query: parse('query', route.query, req.query), body: parse('body', route.body, req.body) };
  if (issues.length) throw fieldError(issues);
  return input as ParsedInput<RouteDef>;
});

/** The tenant of a `tenant` route (set by the access guard). */
export const TenantOf = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantAccess => {
  const access = ctx.switchToHttp().getRequest<ApiRequest>().tenantAccess;
  if (!access) throw new InternalServerErrorException('tenant access was not established for this route');
  return access;
});

/** The caller of a `user` or `tenant` route (set by the access guard). */
export const PrincipalOf = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<ApiRequest>().principal;
  if (!principal) throw new UnauthorizedException('sign in first');
  return principal;
});
