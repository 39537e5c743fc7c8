'use client';

import { useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { api, apiKey, ApiError, setCsrfToken, useApiQuery, type Output } from './api';

export type Session = Output<'getSession'>;

const SIGNED_IN_HINT = 'meridian.signedIn';

/**
 * Whether this browser was signed in when it last asked. The session cookie is HttpOnly, so
 * pages a signed-out visitor lands on (`/`, sign-in) ask the server only when this says so:
 * otherwise every first visit would start with a 401 that the browser logs as a console error.
 */
function wasSignedIn(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_HINT) === '1';
  } catch {
    return false;
  }
}

function rememberSignedIn(on: boolean): void {
  try {
    if (on) localStorage.setItem(SIGNED_IN_HINT, '1');
    else localStorage.removeItem(SIGNED_IN_HINT);
  } catch {
    // Storage off (privacy mode): public pages then simply do not look for a session.
  }
}

/**
 * The signed-in user (or `null` when signed out), their tenants and the CSRF token. With
 * `onlyIfSignedInBefore`, a browser without the signed-in hint counts as signed out unasked.
 */
export function useSession({ onlyIfSignedInBefore = false }: { onlyIfSignedInBefore?: boolean } = {}) {
  const [ask] = useState(() => !onlyIfSignedInBefore || (typeof window !== 'undefined' && wasSignedIn()));
  const query = useApiQuery('getSession', {}, { staleTime: 60_000, retry: (n, e) => !(e instanceof ApiError) && n < 2, enabled: ask });
  useEffect(() => setCsrfToken(query.data?.csrfToken), [query.data]);
  useEffect(() => {
    if (query.data) rememberSignedIn(true);
    else if (query.error instanceof ApiError && query.error.status === 401) rememberSignedIn(false);
  }, [query.data, query.error]);
  return sessionState(ask, query);
}

/**
 * What a page shows of the session query: signed out on a 401 (or when not asked); an error only
 * when there is no session to show, since a failed background refetch (a 503, the network) keeps
 * the last answer and the page should keep it too.
 */
export function sessionState(ask: boolean, query: { data?: Session; error: Error | null; isPending: boolean }) {
  const signedOut = (!ask && !query.data) || (query.error instanceof ApiError && query.error.status === 401);
  return {
    session: signedOut ? null : query.data,
    /** Loading, or failing for another reason than being signed out. */
    pending: query.isPending && !signedOut,
    error: signedOut || query.data ? null : query.error,
    signedOut,
  };
}

/** After sign-in/sign-up: the answer is the new session; cache it and keep its CSRF token. */
export function useAdoptSession() {
  const client = useQueryClient();
  return useCallback(
    (session: Session) => {
      setCsrfToken(session.csrfToken);
      rememberSignedIn(true);
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
    rememberSignedIn(false);
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
