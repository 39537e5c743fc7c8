import { z } from 'zod';
import { isoTime, roleSchema, tenantSlugSchema, uuidSchema } from './common';

export const regionSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Plain words for tenant admins: where the data is stored and processed. */
  location: z.string(),
});
export const regionsResponse = z.object({ regions: z.array(regionSchema), defaultRegion: z.string() });

const email = z
  .email({ error: 'expected an email address' })
  .max(254)
  .transform((s) => s.toLowerCase());
/** NIST 800-63B: length over composition rules; the upper bound keeps hashing cheap. */
const password = z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters');

export const credentialsBody = z.object({ email, password: z.string().min(1, 'required').max(200) });
export const signUpBody = z.object({
  email,
  password,
  /** Accept this invitation right away (the invitation's email must match); it proves the address, so no verification email. */
  inviteToken: z.string().min(1).max(200).optional(),
});

export const tenantSummarySchema = z.object({
  id: uuidSchema,
  slug: z.string(),
  name: z.string(),
  region: z.string(),
  role: roleSchema,
});
export const sessionResponse = z.object({
  user: z.object({ id: uuidSchema, email: z.string() }),
  tenants: z.array(tenantSummarySchema),
  /** Send as `x-csrf-token` on every cookie-authenticated POST/PATCH/PUT/DELETE. */
  csrfToken: z.string(),
});
/**
 * Sign-up without an invitation: an email went to the address (a link to finish, or, when it has
 * an account already, a note to its owner). The same answer either way, so it reveals nothing.
 */
export const verificationSentResponse = z.object({ verification: z.literal('sent'), email: z.string() });
export const signUpResponse = z.union([sessionResponse, verificationSentResponse]);
export const verifyEmailBody = z.object({ token: z.string().min(1, 'required').max(200) });

export const createTenantBody = z.object({
  slug: tenantSlugSchema,
  name: z.string().trim().min(1, 'required').max(200),
  /** One of GET /api/v1/regions; fixed for good once the tenant exists. */
  region: z.string().min(1, 'choose a data region'),
});
export const tenantSchema = z.object({
  id: uuidSchema,
  slug: z.string(),
  name: z.string(),
  region: z.string(),
  regionLockedAt: isoTime.nullable(),
  retentionDays: z.number().int(),
  createdAt: isoTime,
  role: roleSchema,
});
export const updateTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    /** Accepted only when equal to the current region: a tenant's region never changes. */
    region: z.string().min(1).optional(),
  })
  .strict();
export const tenantsResponse = z.object({ tenants: z.array(tenantSummarySchema) });

export const memberSchema = z.object({ userId: uuidSchema, email: z.string(), role: roleSchema, since: isoTime });
export const membersResponse = z.object({ members: z.array(memberSchema) });
export const memberParams = z.object({ tenant: z.string(), userId: uuidSchema });
export const changeRoleBody = z.object({ role: roleSchema });

export const invitationSchema = z.object({
  id: uuidSchema,
  email: z.string(),
  role: roleSchema,
  invitedBy: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime,
  acceptedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export const createInvitationBody = z.object({ email, role: roleSchema.exclude(['owner']).default('member') });
export const createdInvitationResponse = z.object({
  invitation: invitationSchema,
  /** The link sent by email; shown to the inviting admin too (it is the only copy). */
  acceptUrl: z.string(),
  emailDelivery: z.enum(['sent', 'outbox']),
});
export const invitationsResponse = z.object({ invitations: z.array(invitationSchema) });
export const invitationParams = z.object({ tenant: z.string(), invitationId: uuidSchema });
export const acceptInvitationBody = z.object({ token: z.string().min(1).max(200) });

export const keyKindSchema = z.enum(['ingest', 'api']);
export const keySchema = z.object({
  id: uuidSchema,
  name: z.string(),
  /** First characters of the key, to tell keys apart; the key itself is never shown again. */
  prefix: z.string(),
  kind: keyKindSchema,
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export const keysResponse = z.object({ keys: z.array(keySchema) });
export const createKeyBody = z.object({ name: z.string().trim().min(1, 'required').max(100), kind: keyKindSchema.default('ingest') });
export const createdKeyResponse = z.object({
  key: keySchema,
  /** The full key: shown once, stored only as a hash. */
  secret: z.string(),
  /** Ready to paste into a shell for an OpenTelemetry SDK (ingest keys). */
  otelEnv: z.record(z.string(), z.string()),
});
export const keyParams = z.object({ tenant: z.string(), keyId: uuidSchema });

export const auditEntrySchema = z.object({
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
  at: isoTime,
});
export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Id of the last entry of the previous page. */
  // An id is a bigint: more digits than 2^63 - 1 would overflow the column (a 500), so they are a 400.
  before: z
    .string()
    .regex(/^\d{1,19}$/, 'expected an audit entry id')
    .refine((v) => BigInt(v) <= 9223372036854775807n, 'expected an audit entry id')
    .optional(),
});
export const auditResponse = z.object({ entries: z.array(auditEntrySchema), nextBefore: z.string().nullable() });
