/**
 * Reading PostgreSQL errors the same way on both engines: node-postgres and PGlite both raise
 * errors carrying the SQLSTATE `code` (and, when the server names it, the `constraint`).
 */
export interface PostgresErrorFields {
  code?: string;
  constraint?: string;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return hasCode(err, '23505') && (constraint === undefined || constraintOf(err) === constraint || mentions(err, constraint));
}

export function isForeignKeyViolation(err: unknown): boolean {
  return hasCode(err, '23503');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and CLI args; a non-uuid would make PostgreSQL raise 22P02, so check first. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as PostgresErrorFields).code === code;
}

function constraintOf(err: unknown): string | undefined {
  return (err as PostgresErrorFields).constraint;
}

function mentions(err: unknown, constraint: string): boolean {
  return err instanceof Error && err.message.includes(`"${constraint}"`);
}
