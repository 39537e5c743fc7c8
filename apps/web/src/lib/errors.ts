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

/** One line saying what went wrong, from the server's message when there is one. */
export function errorMessage(error: unknown, locale: Locale = 'en'): string {
  if (error instanceof ApiError) {
    const issues = error.body?.issues?.map((i) => `${i.field.replace(/^(body|query|params)\./, '')}: ${issueText(i, locale)}`) ?? [];
    const base = error.body?.message || `HTTP ${error.status}`;
    return issues.length ? `${base} (${issues.join('; ')})` : base;
  }
  if (error instanceof TypeError) return `network error: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
