import { fieldError } from '@meridian/api-http';
import { InvitationError, TenantInputError } from '@meridian/control-plane';

/** Turns control-plane input errors into 400s naming `body.<field>`; other errors pass through. */
export function asHttpError(err: unknown): unknown {
  if (err instanceof TenantInputError) {
    const issues = err.issues.map((i) => ({ field: `body.${i.field}`, message: i.message }));
    return fieldError(issues, issues.some((i) => i.message.includes('already taken')) ? 409 : 400, err.message);
  }
  if (err instanceof InvitationError) {
    return fieldError([{ field: 'body.token', message: err.message.replace(/^token: /, '') }], 400, err.message);
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
