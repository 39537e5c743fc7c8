import { ApiError, type ApiErrorBody } from '@meridian/api-contract';
import type { Locale } from './format';
import { defineMessages, usePrefs } from './i18n';

type Issue = NonNullable<ApiErrorBody['issues']>[number];
type Origin = 'string' | 'number' | 'array' | 'other';

/** What the API's issue codes say, in each language (the server's `message` is English only). */
const issueMessages = defineMessages({
  en: {
    required: 'Required.',
    too_small: (origin: Origin, n: string) =>
      origin === 'string' ? `At least ${n} characters.` : origin === 'array' ? `At least ${n} items.` : `At least ${n}.`,
    too_big: (origin: Origin, n: string) => (origin === 'string' ? `At most ${n} characters.` : origin === 'array' ? `At most ${n} items.` : `At most ${n}.`),
    invalid_type: (expected: string) => `Must be a ${expected}.`,
    invalid_format: (format: string) => (format === 'email' ? 'Not a valid email address.' : format === 'url' ? 'Not a valid URL.' : `Not a valid ${format}.`),
    // A pattern's own explanation is the server's message (English).
    invalid_pattern: (serverWords: string) => serverWords,
    invalid_value: (values: string) => `Must be one of: ${values}.`,
    unknown_keys: (keys: string) => `Unknown fields: ${keys}.`,
    not_multiple_of: (n: string) => `Must be a multiple of ${n}.`,
  },
  ja: {
    required: '入力してください。',
    too_small: (origin: Origin, n: string) =>
      origin === 'string' ? `${n} 文字以上にしてください。` : origin === 'array' ? `${n} 個以上にしてください。` : `${n} 以上にしてください。`,
    too_big: (origin: Origin, n: string) =>
      origin === 'string' ? `${n} 文字以内にしてください。` : origin === 'array' ? `${n} 個以内にしてください。` : `${n} 以下にしてください。`,
    invalid_type: (expected: string) => `形式が正しくありません（${expected}）。`,
    invalid_format: (format: string) =>
      format === 'email'
        ? 'メールアドレスの形式が正しくありません。'
        : format === 'url'
          ? 'URL の形式が正しくありません。'
          : `形式が正しくありません（${format}）。`,
    invalid_pattern: () => '使えない文字が含まれているか、形式が正しくありません。',
    invalid_value: (values: string) => `次のいずれかにしてください：${values}。`,
    unknown_keys: (keys: string) => `不明な項目です：${keys}。`,
    not_multiple_of: (n: string) => `${n} の倍数にしてください。`,
  },
});

/** An issue in the user's language when its code is known, else the server's words. */
export function issueText(issue: Issue, locale: Locale): string {
  const t = issueMessages[locale];
  const p = issue.params ?? {};
  const str = (k: string) => String(p[k] ?? '');
  const num = (k: string) => (typeof p[k] === 'number' ? new Intl.NumberFormat(locale).format(p[k]) : str(k));
  const origin = (['string', 'number', 'array'].includes(str('origin')) ? str('origin') : 'other') as Origin;
  switch (issue.code) {
    case 'required':
      return t.required;
    case 'too_small':
      return origin === 'string' && p.minimum === 1 ? t.required : t.too_small(origin, num('minimum'));
    case 'too_big':
      return t.too_big(origin, num('maximum'));
    case 'invalid_type':
      return t.invalid_type(str('expected'));
    case 'invalid_format':
      return str('format') === 'regex' ? t.invalid_pattern(issue.message) : t.invalid_format(str('format'));
    case 'invalid_value':
      return t.invalid_value(str('values'));
    case 'unknown_keys':
      return t.unknown_keys(str('keys'));
    case 'not_multiple_of':
      return t.not_multiple_of(num('divisor'));
    default:
      return issue.message;
  }
}

/** Field → message for a form, from a 400's `issues` (`body.email` → `email`). */
export function fieldErrors(error: unknown, locale: Locale = 'en'): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body?.issues) return {};
  const out: Record<string, string> = {};
  for (const issue of error.body.issues) {
    const field = issue.field.replace(/^(body|query|params)\./, '');
    out[field] ??= issueText(issue, locale);
  }
  return out;
}

/** `fieldErrors` in the user's language. */
export function useFieldErrors(error: unknown): Record<string, string> {
  return fieldErrors(error, usePrefs().locale);
}

/**
 * The server's read limits (apps/server/src/read-limits.ts), told apart by the body's `reason`
 * (a 429 can also be a sign-in or invitation limit, a 503 a store that is down):
 * - `timeout`: 504, the read ran past the engine's time limit; the same read would run as long again;
 * - `tenant_busy`: 429 `queue_full` / `tenant_wait_timeout`, the tenant's own reads fill its share;
 * - `engine_busy`: 503, other tenants' reads fill the engine.
 */
export type ReadRefusal = { kind: 'timeout'; limitSeconds?: number } | { kind: 'tenant_busy' | 'engine_busy'; retryAfterSeconds?: number };

export function readRefusal(error: unknown): ReadRefusal | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const body = error.body ?? { statusCode: error.status, message: '' };
  if (error.status === 504) {
    // The limit is only in the server's words: "the query ran longer than 30 s and was stopped; …".
    const limit = /longer than (\d{1,6}) s\b/.exec(String(body.message))?.[1];
    return { kind: 'timeout', ...(limit && { limitSeconds: Number(limit) }) };
  }
  const kind =
    error.status === 429 && (body.reason === 'queue_full' || body.reason === 'tenant_wait_timeout')
      ? 'tenant_busy'
      : error.status === 503 && body.reason === 'engine_busy'
        ? 'engine_busy'
        : undefined;
  if (!kind) return undefined;
  return { kind, ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }) };
}

/** Without a Retry-After, a refused read is tried again after this long. */
const DEFAULT_RETRY_SECONDS = 5;
/** However long the server says, a page on screen tries again within this. */
const MAX_RETRY_SECONDS = 30;

/**
 * Seconds until a refused read is tried again on its own: a busy tenant or engine frees up, so
 * the server's Retry-After (1 s for a full queue, the wait limit after a long wait). Undefined
 * for every other error: a timeout or a 4xx would get the same answer again.
 */
export function autoRetrySeconds(error: unknown): number | undefined {
  const r = readRefusal(error);
  if (!r || r.kind === 'timeout') return undefined;
  return Math.min(MAX_RETRY_SECONDS, Math.max(1, Math.ceil(r.retryAfterSeconds ?? DEFAULT_RETRY_SECONDS)));
}

const refusalMessages = defineMessages({
  en: {
    timeout: (seconds: string) =>
      seconds
        ? `This query took longer than ${seconds} s and was stopped — narrow the time window or add filters.`
        : 'This query took too long and was stopped — narrow the time window or add filters.',
    tenant_busy: 'Too many queries for this tenant are running',
    engine_busy: 'The server is busy with other queries',
    retryingIn: (seconds: string) => `retrying in ${seconds} s.`,
    retryingNow: 'retrying…',
    tryLater: 'try again shortly.',
  },
  ja: {
    timeout: (seconds: string) =>
      seconds
        ? `このクエリは ${seconds} 秒を超えたため停止されました。時間範囲を狭めるか、フィルターを追加してください。`
        : 'このクエリは時間がかかりすぎたため停止されました。時間範囲を狭めるか、フィルターを追加してください。',
    tenant_busy: 'このテナントで実行中のクエリが多すぎます',
    engine_busy: 'サーバーがほかのクエリで混み合っています',
    retryingIn: (seconds: string) => `${seconds} 秒後に再試行します。`,
    retryingNow: '再試行しています…',
    tryLater: 'しばらくしてからもう一度お試しください。',
  },
});

/**
 * What a read limit means for the user and what to do, in their language. `retryInSeconds`:
 * when the page tries again on its own (0: now); without it, the user is asked to.
 */
export function readRefusalText(refusal: ReadRefusal, locale: Locale, retryInSeconds?: number): string {
  const t = refusalMessages[locale];
  const n = (v: number) => new Intl.NumberFormat(locale).format(v);
  if (refusal.kind === 'timeout') return t.timeout(refusal.limitSeconds === undefined ? '' : n(refusal.limitSeconds));
  const next = retryInSeconds === undefined ? t.tryLater : retryInSeconds > 0 ? t.retryingIn(n(retryInSeconds)) : t.retryingNow;
  return locale === 'ja' ? `${t[refusal.kind]}。${next}` : `${t[refusal.kind]} — ${next}`;
}

/** One line saying what went wrong, from the server's message when there is one. */
export function errorMessage(error: unknown, locale: Locale = 'en', retryInSeconds?: number): string {
  const refusal = readRefusal(error);
  if (refusal) return readRefusalText(refusal, locale, retryInSeconds);
  if (error instanceof ApiError) {
    const issues = error.body?.issues?.map((i) => `${i.field.replace(/^(body|query|params)\./, '')}: ${issueText(i, locale)}`) ?? [];
    const base = error.body?.message || `HTTP ${error.status}`;
    return issues.length ? `${base} (${issues.join('; ')})` : base;
  }
  if (error instanceof TypeError) return `network error: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
