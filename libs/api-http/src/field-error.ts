import { BadRequestException, ConflictException, type HttpException } from '@nestjs/common';

export interface FieldIssue {
  /** Dotted path of the input, e.g. `body.email`, `query.limit`. */
  field: string;
  message: string;
}

/**
 * The API's error body for bad input: one `issues` entry per field (the contract's
 * `errorSchema`), 400 by default or 409 when the input conflicts with what is stored.
 */
export function fieldError(issues: readonly FieldIssue[], status: 400 | 409 = 400, message = issues.map((i) => `${i.field}: ${i.message}`).join('; ')): HttpException {
  const body = { statusCode: status, error: status === 400 ? 'Bad Request' : 'Conflict', message, issues };
  return status === 400 ? new BadRequestException(body) : new ConflictException(body);
}
