import { BadRequestException } from '@nestjs/common';
import { QueryValidationError } from '@meridian/storage-clickhouse';

/** Runs a query; a QueryValidationError (a bad parameter) becomes a 400 naming the field. */
export async function validated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof QueryValidationError) throw new BadRequestException(e.message);
    throw e;
  }
}
