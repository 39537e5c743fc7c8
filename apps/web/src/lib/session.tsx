'use client';

import { useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect } from 'react';
import { api, apiKey, ApiError, setCsrfToken, useApiQuery, type Output } from './api';

export type Session = Output<'getSession'>;

/** The signed-in user (or `null` when signed out), their tenants and the CSRF token. */
export function useSession() {
  const query = useApiQuery('getSession', {}, { staleTime: 60_000, retry: (n, e) => !(e instanceof ApiError) && n < 2 });
  const signedOut = query.error instanceof ApiError && query.error.status === 401;
  useEffect(() => setCsrfToken(query.data?.csrfToken), [query.data]);
  return {
    session: signedOut ? null : query.data,
    /** Loading, or failing for another reason than being signed out. */
    pending: query.isPending && !signedOut,
    error: signedOut ? null : query.error,
    signedOut,
  };
}

/** After sign-in/sign-up: the answer is the new session; cache it and keep its CSRF token. */
export function useAdoptSession() {
  const client = useQueryClient();
  return useCallback(
    (session: Session) => {
      setCsrfToken(session.csrfToken);
      client.setQueryData(apiKey('getSession', {}), session);
    },
    [client],
  );
}

export function useSignOut() {
  const client = useQueryClient();
  const router = useRouter();
  return useCallback(async () => {
    await api.call('signOut', {}).catch(() => undefined);
    setCsrfToken(undefined);
    client.clear();
    router.replace('/sign-in');
  }, [client, router]);
}

/** Where a sign-in page should send the user back to (`?next=`), only ever a path on this site. */
export function safeNext(next: string | null | undefined, fallback = '/'): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

/** The current path with its query, for `?next=` links. */
export function useCurrentPath(): string {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  return search ? `${pathname}?${search}` : pathname;
}

/** Sends signed-out visitors to the sign-in page, remembering where they were going. */
export function useRequireSession() {
  const state = useSession();
  const router = useRouter();
  const here = useCurrentPath();
  useEffect(() => {
    if (state.signedOut) router.replace(`/sign-in?next=${encodeURIComponent(here)}`);
  }, [state.signedOut, router, here]);
  return state;
}
