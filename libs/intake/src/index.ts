export { IntakeModule, IntakeServers, type IntakeModuleOptions } from './intake.module';
export { IntakeService, type AcceptResult } from './intake.service';
export { EncodePool } from './encode-pool';
export { encodeRequest, type EncodedRequest, type EncodeJob } from './request-rows';
export { CachingKeyVerifier, INGEST_KEY_VERIFIER, presentedKey, type IngestIdentity, type IngestKeyVerifier } from './key-verifier';
export { OtlpHttpServer } from './otlp-http.server';
export { OtlpGrpcServer } from './otlp-grpc.server';
export { InflightBudget, InflightBudgetError, RequestGuard, type RefusalReason, type RequestGuardOptions } from './request-guard';
export {
  IngestThrottledError,
  TenantIngestLimiter,
  TokenBucket,
  type IngestLimitOverrides,
  type IngestLimits,
  type TenantIngestLimiterOptions,
} from './tenant-ingest-limiter';
export { USAGE_SINK, UsageFlusher, UsageMeter, type UsageDelta, type UsageSink } from './usage-meter';
