import type { InvitationLimits } from './invitation-limiter';

export interface RegionInfo {
  id: string;
  name: string;
  location: string;
}

/** Settings of the accounts API (from config: regions, auth, intake). */
export interface AccountsOptions {
  regions: readonly RegionInfo[];
  defaultRegion: string;
  /** Where users open the UI (invitation links). */
  publicUrl: string;
  /** OTLP/HTTP endpoint SDKs send to (shown with new ingest keys). */
  otlpEndpoint: string;
  invitationTtlMs: number;
  /** Invitation budgets per tenant, per admin and per recipient (429 + Retry-After beyond). */
  invitationLimits: InvitationLimits;
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  /** The configured per-tenant ingest limits (`intake.limits`), which overrides replace. */
  ingestLimits: IngestLimitDefaults;
}

export interface IngestLimitDefaults {
  spansPerSecond: number;
  dataPointsPerSecond: number;
  logRecordsPerSecond: number;
  bytesPerSecond: number;
  burstSeconds: number;
}
export const ACCOUNTS_OPTIONS = Symbol('AccountsOptions');
