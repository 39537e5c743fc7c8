import { ApiError } from '@meridian/api-contract';

/** Field → message for a form, from a 400's `issues` (`body.email` → `email`). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body?.issues) return {};
  const out: Record<string, string> = {};
  for (const issue of error.body.issues) {
    const field = issue.field.replace(/^(body|query|params)\./, '');
    out[field] ??= issue.message;
  }
  return out;
}

/** One line saying what went wrong, from the server's message when there is one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const issues = error.body?.issues?.map((i) => `${i.field.replace(/^(body|query|params)\./, '')}: ${i.message}`) ?? [];
    const base = error.body?.message || `HTTP ${error.status}`;
    return issues.length ? `${base} (${issues.join('; ')})` : base;
  }
  if (error instanceof TypeError) return `network error: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
