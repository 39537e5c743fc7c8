'use client';

import type { ReactNode } from 'react';
import { errorMessage } from '../lib/errors';
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

/** An error with the server's own words and, when given, a way to retry. */
export function ErrorNotice({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const t = useMessages(m);
  const { locale } = usePrefs();
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title ?? t.failed}</strong>
      <span>{errorMessage(error, locale)}</span>
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
