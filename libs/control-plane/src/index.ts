export { ControlPlaneDb, redactUrl, type ControlPlaneDbKind, type ControlPlaneDbOptions, type ControlPlaneExecutor } from './control-plane-db';
export { ControlPlaneTransactions } from './control-plane-transactions';
export { ControlPlaneModule } from './control-plane.module';
export {
  KEY_KINDS,
  MEMBERSHIP_ROLES,
  type AuditEntry,
  type ControlPlaneSchema,
  type IngestKeyRecord,
  type KeyIdentity,
  type KeyKind,
  type MembershipRole,
  type NewAuditEntry,
  type Tenant,
  type User,
  type Member,
  type Membership,
  type Invitation,
  USAGE_SIGNALS,
  type UsageSignal,
  type UsageDelta,
  type TenantIngestLimitOverrides,
} from './control-plane-schema';
export { PGliteDialect, type PGliteDialectConfig } from './pglite-dialect';
export { CONTROL_PLANE_MIGRATIONS, controlPlaneMigrationProvider } from './migrations';
export { TenantRepository, type NewTenant } from './tenant.repository';
export { IngestKeyRepository, type IngestKeyRepositoryOptions } from './ingest-key.repository';
export { AuditLogRepository } from './audit-log.repository';
export {
  TenantLimitsRepository,
  TENANT_INGEST_LIMIT_FIELDS,
  TENANT_INGEST_LIMIT_MAXIMA,
  NO_INGEST_LIMIT_OVERRIDES,
  validateIngestLimitOverrides,
  type TenantIngestLimitField,
} from './tenant-limits.repository';
export { UsageRepository, utcDay, isUtcDay } from './usage.repository';
export { KEY_PREFIX, parseKeyKind, displayPrefix } from './ingest-key-token';
export { UserRepository, EmailTakenError, type UserCredentials } from './user.repository';
export { SessionRepository, type ActiveSession } from './session.repository';
export { MembershipRepository } from './membership.repository';
export { InvitationRepository } from './invitation.repository';
export { ServerSecretRepository } from './server-secret.repository';
export { InvitationAcceptance, InvitationError } from './invitation-acceptance';
export { InvitationSignup, SignupVerificationRepository } from './signup';
export { TENANT_SLUG_PATTERN, TenantInputError, tenantSlugSchema, type ProvisionTenantInput, type TenantInputIssue } from './tenant.dto';
export { TenantProvisioningService, type ProvisionedTenant } from './tenant-provisioning.service';
export {
  ALERT_CHANNEL_KINDS,
  type AlertChannelKind,
  type AlertState,
  type AlertSeverity,
  type AlertNotificationKind,
  type AlertNotificationStatus,
} from './control-plane-schema';
export { AlertChannelRepository, type AlertChannelRecord, type NewAlertChannel } from './alert-channel.repository';
export {
  AlertRuleRepository,
  AlertRuleCapError,
  type ClaimFairness,
  type AlertRuleRecord,
  type NewAlertRule,
  type AlertRuleStateRecord,
  type ClaimedRule,
  type AlertEventRecord,
  type EvaluationOutcome,
} from './alert-rule.repository';
export { AlertOutboxRepository, type NewAlertNotification, type AlertNotificationRecord } from './alert-outbox.repository';
export { AlertSilenceRepository, type AlertSilenceRecord, type NewAlertSilence } from './alert-silence.repository';
