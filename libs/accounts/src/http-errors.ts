import { BadRequestException, ConflictException } from '@nestjs/common';
import { InvitationError, TenantInputError } from '@meridian/control-plane';

/** Turns control-plane input errors into 400s naming `body.<field>`; other errors pass through. */
export function asHttpError(err: unknown): unknown {
  if (err instanceof TenantInputError) {
    const issues = err.issues.map((i) => ({ field: `body.${i.field}`, message: i.message }));
    if (issues.some((i) => i.message.includes('already taken'))) return new ConflictException({ statusCode: 409, error: 'Conflict', message: err.message, issues });
    return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: err.message, issues });
  }
  if (err instanceof InvitationError) {
    return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: err.message, issues: [{ field: 'body.token', message: err.message.replace(/^token: /, '') }] });
  }
  return err;
}

export async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asHttpError(err);
  }
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
