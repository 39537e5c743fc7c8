import { BadRequestException, ConflictException, type HttpException } from '@nestjs/common';
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the input, e.g. `body.email`, `query.limit`. */
  field: string;
  /** English text for people reading the API's answers. */
  message: string;
  /**
   * What is wrong, for clients that show it in their own language (`too_small`, `too_big`,
   * `required`, `invalid_type`, `invalid_format`, `invalid_value`, `unknown_keys`, `not_multiple_of`),
   * with `params` to fill in (`{ minimum: 8, origin: 'string' }`). Absent: only `message` says it.
   */
  code?: string;
  params?: Record<string, string | number>;
}

/**
 * The API's error body for bad input: one `issues` entry per field (the contract's
 * `errorSchema`), 400 by default or 409 when the input conflicts with what is stored.
 */
export function fieldError(
  issues: readonly FieldIssue[],
  status: 400 | 409 = 400,
  message = issues.map((i) => `${i.field}: ${i.message}`).join('; '),
): HttpException {
  const body = { statusCode: status, error: status === 400 ? 'Bad Request' : 'Conflict', message, issues };
  return status === 400 ? new BadRequestException(body) : new ConflictException(body);
}

/** A schema's complaint about one part of a request (`body`, `query`, `params`) as a field issue with its code. */
export function issueFromZod(part: string, issue: z.core.$ZodIssue, input: unknown): FieldIssue {
  const field = [part, ...issue.path.map(String)].join('.');
  const out = (code: string, params?: FieldIssue['params']): FieldIssue => ({ field, message: issue.message, code, ...(params && { params }) });
  switch (issue.code) {
    case 'too_small':
      return out('too_small', { minimum: Number(issue.minimum), origin: issue.origin });
    case 'too_big':
      return out('too_big', { maximum: Number(issue.maximum), origin: issue.origin });
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? out('required') : out('invalid_type', { expected: issue.expected });
    case 'invalid_format':
      return out('invalid_format', { format: issue.format });
    case 'invalid_value':
      return out('invalid_value', { values: issue.values.map(String).join(', ') });
    case 'unrecognized_keys':
      return out('unknown_keys', { keys: issue.keys.join(', ') });
    case 'not_multiple_of':
      return out('not_multiple_of', { divisor: Number(issue.divisor) });
    default:
      return { field, message: issue.message };
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}
