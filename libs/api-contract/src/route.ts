import type { z } from 'zod';

export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
/** Membership roles, weakest first: each role may do everything the ones before it may. */
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/**
 * Who may call a route:
 * - `public`: anyone (sign-up, sign-in, region list);
 * - `user`: a signed-in user (session cookie);
 * - `tenant`: a member of the tenant named by the `{tenant}` path parameter with at least
 *   `minRole`, or an api key of that tenant (which acts as a `member`);
 * - `operator`: the SaaS operator, by the operator token (config `server.operatorToken`) sent
 *   as `Authorization: Bearer …`, on any tenant named by `{tenant}`; no member or key may.
 */
export type RouteAuth = 'public' | 'user' | 'tenant' | 'operator';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** OpenAPI style: `/api/v1/tenants/{tenant}/keys/{keyId}`. */
  path: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  minRole?: Role;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status (default 200; 201 for creations, 204 for no content). */
  status?: 200 | 201 | 204;
  response?: z.ZodType;
}

export function defineRoute<const R extends RouteDef>(route: R): R {
  return route;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type In<S> = S extends z.ZodType ? z.input<S> : undefined;

/** What a handler receives once the request passed validation. */
export interface ParsedInput<R extends RouteDef> {
  params: Out<R['params']>;
  query: Out<R['query']>;
  body: Out<R['body']>;
}

/** What a client sends (before defaults and coercion). Keys whose schema is absent are omitted. */
export type RequestInput<R extends RouteDef> = OmitUndefined<{
  params: In<R['params']>;
  query: In<R['query']>;
  body: In<R['body']>;
}>;

type OmitUndefined<T> = { [K in keyof T as T[K] extends undefined ? never : K]: T[K] };

/** What the route answers with (what handlers must return). */
export type ResponseOf<R extends RouteDef> = R['response'] extends z.ZodType ? z.output<R['response']> : void;

/** `/a/{b}/c` → `/a/:b/c` (Express/NestJS path syntax). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
