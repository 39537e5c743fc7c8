'use client';

import { useMutation, useQuery, useQueryClient, type UseMutationOptions, type UseQueryOptions } from '@tanstack/react-query';
import { ApiClient, ApiError, type ApiRoutes, type RequestInput, type ResponseOf, type RouteName } from '@meridian/api-contract';

let csrfToken: string | undefined;

/** Remembers the CSRF token of the current session (from sign-in, sign-up or GET session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/**
 * The one client of the server's REST contract. Same origin: the UI is served by the api role
 * (or proxied by `next dev`), so the session cookie rides along and writes carry the CSRF header.
 */
export const api = new ApiClient({ baseUrl: '', csrfToken: () => csrfToken });

export type Input<N extends RouteName> = RequestInput<ApiRoutes[N]>;
export type Output<N extends RouteName> = ResponseOf<ApiRoutes[N]>;

/** Cache key of a route call: the route name, then its input (react-query hashes it). */
export function apiKey<N extends RouteName>(name: N, input?: Input<N>): readonly unknown[] {
  return input === undefined ? [name] : [name, input];
}

type QueryOpts<N extends RouteName> = Omit<UseQueryOptions<Output<N>, ApiError>, 'queryKey' | 'queryFn'>;

/** A typed GET of the contract, cached per (route, input). Pass `refetchInterval` for live views. */
export function useApiQuery<N extends RouteName>(name: N, input: Input<N>, options?: QueryOpts<N>) {
  return useQuery<Output<N>, ApiError>({ queryKey: apiKey(name, input), queryFn: () => api.call(name, input), ...options });
}

type MutationOpts<N extends RouteName> = Omit<UseMutationOptions<Output<N>, ApiError, Input<N>>, 'mutationFn'> & {
  /** Routes whose cached answers this write makes stale (all inputs of each). */
  invalidates?: RouteName[];
};

/** A typed write of the contract; refreshes the routes it `invalidates` on success. */
export function useApiMutation<N extends RouteName>(name: N, options: MutationOpts<N> = {}) {
  const client = useQueryClient();
  const { invalidates = [], onSuccess, ...rest } = options;
  return useMutation<Output<N>, ApiError, Input<N>>({
    mutationFn: (input) => api.call(name, input),
    ...rest,
    onSuccess: async (...args) => {
      await Promise.all(invalidates.map((r) => client.invalidateQueries({ queryKey: [r] })));
      await onSuccess?.(...args);
    },
  });
}

/**
 * Client errors (4xx) will not change on retry, except 429: the tenant's reads are queued at the
 * server's read gate for a moment. Those, server hiccups (503: the engine busy with other
 * tenants) and network errors may pass; react-query waits 1 s, then 2 s between tries. A read the
 * engine stopped at its time limit (504 `execution_timeout`) would run as long again, holding
 * one of the tenant's read slots all that time: it is not repeated.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) return false;
  if (error instanceof ApiError && error.status === 504 && error.body?.reason === 'execution_timeout') return false;
  return failureCount < 2;
}

export { ApiError };
