import { z } from 'zod';
import { ROLES } from '../route';

export const roleSchema = z.enum(ROLES);
export const uuidSchema = z.uuid({ error: 'expected an id (uuid)' });
export const isoTime = z.string().describe('ISO 8601 time');
export const TENANT_SLUG_RE = /^[a-z0-9][a-z0-9-]{2,39}$/;
export const tenantSlugSchema = z.string().regex(TENANT_SLUG_RE, 'expected 3–40 lowercase letters, digits or dashes, starting with a letter or digit');

/** Path parameters of every route under /api/v1/tenants/{tenant}/… (slug or id). */
export const tenantParams = z.object({ tenant: z.string().min(1).max(64) });

/** Error body of every non-2xx answer. */
export const errorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string().optional(),
  message: z.string(),
  /**
   * Why a request was refused, for clients to tell limits apart (a 429 can be a read, sign-in or
   * invitation limit): the read limits send `queue_full`, `tenant_wait_timeout`, `engine_busy`
   * and `execution_timeout`.
   */
  reason: z.string().optional(),
  /**
   * Field-level problems, `field` as a dotted path (`body.email`, `query.limit`); `code` and
   * `params` say what is wrong for clients that word it in their own language.
   */
  issues: z
    .array(
      z.object({
        field: z.string(),
        message: z.string(),
        code: z.string().optional(),
        params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      }),
    )
    .optional(),
});
export type ApiErrorBody = z.infer<typeof errorSchema>;
