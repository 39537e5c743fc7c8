import type { Generated, GeneratedAlways, JSONColumnType } from 'kysely';

/**
 * Row types of the control-plane tables as Kysely sees them (snake_case, like the SQL in
 * migrations/). Repositories map them to the camelCase records below; nothing outside this
 * lib needs the row shapes.
 *
 * Both engines read alike: uuid → string, timestamptz → Date, int8 → string (node-postgres'
 * default; the PGlite dialect is set up to match), jsonb → parsed value.
 */
export interface ControlPlaneSchema {
  tenants: TenantsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  ingest_keys: IngestKeysTable;
  audit_log: AuditLogTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  server_secrets: ServerSecretsTable;
}

export interface TenantsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  region: string;
  region_locked_at: Date | null;
  retention_days: Generated<number>;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  /** Always stored lower-cased (CHECK constraint). */
  email: string;
  password_hash: string | null;
  created_at: Generated<Date>;
  failed_logins: Generated<number>;
  locked_until: Date | null;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Date;
  user_agent: Generated<string>;
  ip: Generated<string>;
}

export interface InvitationsTable {
  id: Generated<string>;
  tenant_id: string;
  email: string;
  role: Exclude<MembershipRole, 'owner'>;
  token_hash: string;
  invited_by: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: Generated<Date>;
}

export const MEMBERSHIP_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: MembershipRole;
  created_at: Generated<Date>;
}

export const KEY_KINDS = ['ingest', 'api'] as const;
/** `ingest`: sends telemetry to intake. `api`: calls the query/CRUD API for one tenant. */
export type KeyKind = (typeof KEY_KINDS)[number];

export interface IngestKeysTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  kind: Generated<KeyKind>;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface AuditLogTable {
  /** bigint identity, read as a string on both engines. */
  id: GeneratedAlways<string>;
  tenant_id: string | null;
  actor: string;
  action: string;
  target: string;
  /** Insert as a JSON string (node-postgres would turn a JS array into a PostgreSQL array). */
  details: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  at: Generated<Date>;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  /** Region id (config `regions[].id`); the tenant's telemetry lives only there. */
  region: string;
  /** Set when the region choice became final; after that the region cannot change. */
  regionLockedAt: Date | null;
  retentionDays: number;
  createdAt: Date;
}

/** An ingest or api key as shown to tenant admins: never the key or its hash. */
export interface IngestKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  /** The first characters of the key (e.g. `mrd_ik_3fQx9a2L`), so users can tell keys apart. */
  prefix: string;
  kind: KeyKind;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What a valid presented key stands for: everything intake needs to route its data. */
export interface KeyIdentity {
  keyId: string;
  tenantId: string;
  tenantSlug: string;
  region: string;
  retentionDays: number;
  kind: KeyKind;
}

export interface AuditEntry {
  id: string;
  tenantId: string | null;
  /** Who did it: `user:<id>`, `cli:<os user>`, `system:<component>`. */
  actor: string;
  /** Dotted verb, e.g. `tenant.create`, `ingest_key.revoke`. */
  action: string;
  /** What it was done to, e.g. `tenant:<id>`, `ingest_key:<id>`. */
  target: string;
  details: Record<string, unknown>;
  at: Date;
}

export interface NewAuditEntry {
  tenantId?: string | null;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface User {
  id: string;
  email: string;
  createdAt: Date;
}

export interface Membership {
  tenant: Tenant;
  role: MembershipRole;
}

export interface Member {
  userId: string;
  email: string;
  role: MembershipRole;
  since: Date;
}

export interface Invitation {
  id: string;
  tenantId: string;
  email: string;
  role: Exclude<MembershipRole, 'owner'>;
  /** Email of the inviting user ('' when that user is gone). */
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}
