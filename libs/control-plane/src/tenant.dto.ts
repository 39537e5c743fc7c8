import { z } from 'zod';

/**
 * Input rules for creating a tenant, shared by the CLI, the API and the demo. Errors name the
 * field and say what is accepted.
 */
export const TENANT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export const tenantSlugSchema = z
  .string({ error: 'must be a string' })
  .min(3, 'must be 3–40 characters long')
  .max(40, 'must be 3–40 characters long')
  .regex(TENANT_SLUG_PATTERN, 'may contain only lowercase letters (a–z), digits and dashes, and must start with a letter or digit');

export function provisionTenantSchema(allowedRegions: readonly string[]) {
  return z.object({
    slug: tenantSlugSchema,
    name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    region: z.string({ error: `must be one of: ${allowedRegions.join(', ')}` }).refine((r) => allowedRegions.includes(r), {
      error: (issue) => `"${String(issue.input)}" is not an allowed region; valid region ids: ${allowedRegions.join(', ')}`,
    }),
    actor: z.string({ error: 'must be a string' }).trim().min(1, 'must name who does this (e.g. "cli:alice")'),
    retentionDays: z
      .number({ error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be 1–3650 days')
      .max(3650, 'must be 1–3650 days')
      .optional(),
  });
}

export type ProvisionTenantInput = z.input<ReturnType<typeof provisionTenantSchema>>;

export interface TenantInputIssue {
  /** Input field, e.g. `slug`. */
  field: string;
  message: string;
}

/** Bad tenant input: each issue names its field (the API turns this into a 400). */
export class TenantInputError extends Error {
  override readonly name = 'TenantInputError';

  constructor(readonly issues: readonly TenantInputIssue[]) {
    super(`invalid tenant: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }

  static fromZod(error: z.ZodError): TenantInputError {
    return new TenantInputError(error.issues.map((i) => ({ field: i.path.join('.') || '(input)', message: i.message })));
  }
}
