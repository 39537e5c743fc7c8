import type { Generated, GeneratedAlways, JSONColumnType } from 'kysely';
import type { UsageSignal } from '@meridian/domain';

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
  alert_channels: AlertChannelsTable;
  alert_rules: AlertRulesTable;
  alert_rule_states: AlertRuleStatesTable;
  alert_events: AlertEventsTable;
  alert_notifications: AlertNotificationsTable;
  alert_silences: AlertSilencesTable;
  tenant_ingest_limits: TenantIngestLimitsTable;
  tenant_usage_daily: TenantUsageDailyTable;
  signup_verifications: SignupVerificationsTable;
}

/** Insert/update jsonb as a JSON string (node-postgres would turn a JS array into a PostgreSQL array). */
type Json<T extends object> = JSONColumnType<T, string, string>;

export const ALERT_CHANNEL_KINDS = ['slack', 'webhook', 'email'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number];
export type AlertState = 'ok' | 'pending' | 'firing';
export type AlertSeverity = 'warning' | 'critical';
export type AlertNotificationKind = 'firing' | 'resolved' | 'test';
export type AlertNotificationStatus = 'pending' | 'sent' | 'failed';

export interface AlertChannelsTable {
  id: Generated<string>;
  tenant_id: string;
  key: string;
  name: string;
  kind: AlertChannelKind;
  /** Non-secret settings (email recipients, …). */
  settings: Json<Record<string, unknown>>;
  /** AES-256-GCM ciphertext of the channel's secrets (URL, SMTP password, HMAC key); the lib never sees the key. */
  secret_ciphertext: string;
  /** What the API may show of the secret, e.g. `https://hooks.slack.com/…/XYZ`. */
  secret_hint: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AlertRulesTable {
  id: Generated<string>;
  tenant_id: string;
  key: string;
  name: string;
  enabled: Generated<boolean>;
  /** The rule's condition, thresholds, windows and channel keys, validated by the API contract's alertRuleDefinition. */
  definition: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AlertRuleStatesTable {
  rule_id: string;
  tenant_id: string;
  state: Generated<AlertState>;
  severity: AlertSeverity | null;
  since: Date | null;
  last_value: number | null;
  last_eval_at: Date | null;
  last_notified_at: Date | null;
  next_eval_at: Generated<Date>;
  lease_owner: string | null;
  lease_until: Date | null;
}

export interface AlertEventsTable {
  id: GeneratedAlways<string>;
  tenant_id: string;
  rule_id: string;
  from_state: string;
  to_state: string;
  severity: AlertSeverity | null;
  value: number | null;
  threshold: number | null;
  at: Generated<Date>;
}

export interface AlertNotificationsTable {
  id: Generated<string>;
  tenant_id: string;
  rule_id: string | null;
  channel_id: string;
  kind: AlertNotificationKind;
  payload: Json<Record<string, unknown>>;
  status: Generated<AlertNotificationStatus>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_error: Generated<string>;
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
}

export interface AlertSilencesTable {
  id: Generated<string>;
  tenant_id: string;
  rule_id: string | null;
  reason: Generated<string>;
  starts_at: Date;
  ends_at: Date;
  created_by: Generated<string>;
  created_at: Generated<Date>;
}

export interface TenantIngestLimitsTable {
  tenant_id: string;
  spans_per_second: number | null;
  data_points_per_second: number | null;
  log_records_per_second: number | null;
  /** bigint: read as a string on both engines. */
  bytes_per_second: string | number | null;
  updated_at: Generated<Date>;
  updated_by: Generated<string>;
}

export { USAGE_SIGNALS, type UsageSignal } from '@meridian/domain';

export interface TenantUsageDailyTable {
  tenant_id: string;
  /** `date`; selected as `day::text` (YYYY-MM-DD) so no driver turns it into a local-time Date. */
  day: string;
  signal: UsageSignal;
  /** bigint counters: read as strings on both engines. */
  accepted_items: Generated<string>;
  accepted_bytes: Generated<string>;
  rejected_items: Generated<string>;
  throttled_items: Generated<string>;
  throttled_bytes: Generated<string>;
  updated_at: Generated<Date>;
}

/**
 * The operator's per-tenant overrides of the configured ingest limits; null = the configured
 * default applies.
 */
export interface TenantIngestLimitOverrides {
  spansPerSecond: number | null;
  dataPointsPerSecond: number | null;
  logRecordsPerSecond: number | null;
  bytesPerSecond: number | null;
}

/** What one tenant sent on one UTC day for one signal (a row of usage, or an increment of one). */
export interface UsageDelta {
  tenantId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  signal: UsageSignal;
  acceptedItems: number;
  acceptedBytes: number;
  rejectedItems: number;
  throttledItems: number;
  throttledBytes: number;
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

export interface SignupVerificationsTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
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
  /** The tenant's ingest limit overrides (all null when the operator set none). */
  limits: TenantIngestLimitOverrides;
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
