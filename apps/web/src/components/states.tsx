'use client';

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { autoRetrySeconds, errorMessage } from '../lib/errors';
import { defineMessages, useMessages, usePrefs } from '../lib/i18n';

const m = defineMessages({
  en: { loading: 'Loading…', failed: 'Could not load this', retry: 'Try again' },
  ja: { loading: '読み込み中…', failed: '読み込めませんでした', retry: '再試行' },
});

export function Loading({ label }: { label?: string }) {
  const t = useMessages(m);
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label ?? t.loading}
    </p>
  );
}

/** Calls `tick` once a second with the seconds left, down to 0, then `done`; the returned function stops it. */
export function countDown(seconds: number, tick: (left: number) => void, done: () => void): () => void {
  let left = seconds;
  const timer = setInterval(() => {
    left -= 1;
    tick(left);
    if (left > 0) return;
    clearInterval(timer);
    done();
  }, 1_000);
  return () => clearInterval(timer);
}

/**
 * Seconds left before `onRetry` runs on its own (0 once it ran), for a read the server refused
 * because it was busy (autoRetrySeconds); undefined for other errors. Each new error starts over.
 */
function useAutoRetry(error: unknown, onRetry: (() => void) | undefined): number | undefined {
  const delay = onRetry ? autoRetrySeconds(error) : undefined;
  const retry = useRef(onRetry);
  useEffect(() => {
    retry.current = onRetry;
  });
  const [tick, setTick] = useState<{ error: unknown; left: number }>();
  useEffect(() => {
    if (delay === undefined) return;
    return countDown(
      delay,
      (left) => setTick({ error, left }),
      () => retry.current?.(),
    );
  }, [error, delay]);
  if (delay === undefined) return undefined;
  return tick && tick.error === error ? tick.left : delay;
}

/**
 * An error with the server's own words and, when given, a way to retry. A read refused by the
 * server's read limits says what happened and what to do; a refusal for load is retried on its
 * own after the server's Retry-After, counted down.
 */
export function ErrorNotice({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const t = useMessages(m);
  const { locale } = usePrefs();
  const retryIn = useAutoRetry(error, onRetry);
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title ?? t.failed}</strong>
      <span>{errorMessage(error, locale, retryIn)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

/** An empty state: what is missing and what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

interface QueryLike<T> {
  isPending: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/** A query's loading and error states (with retry), then its data to `children`. */
export function QueryState<T>({
  query,
  loadingLabel,
  failedTitle,
  children,
}: {
  query: QueryLike<T>;
  loadingLabel?: string;
  failedTitle?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.error || query.data === undefined) return <ErrorNotice error={query.error} title={failedTitle} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}
