export { runMeridianCli, startMeridian, type MeridianProcess, type StartOptions } from './meridian-process';
export { ApiClient } from './api-client';
export { SessionClient, type SignUpTarget } from './session-client';
export { outboxEmails, readSignupEmailLink } from './outbox';
export { startTenantFixture, type TenantFixture } from './tenant-fixture';
export { freshPostgresDatabase } from './postgres-database';
export {
  DEFAULT_MARIADB_URL,
  DEFAULT_POSTGRES_URL,
  postgresService,
  requireLocalService,
  requireMariadb,
  requirePostgres,
  testPostgresUrl,
} from './local-services';
export { describeOrSkip } from './describe-or-skip';
export { countSpansByRegion } from './region-rows';
export { sdkTelemetry, type SdkProtocol, type SdkTelemetry } from './sdk-telemetry';
export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions, type KafkaKind } from './kafka-broker';
export { startClickHouseHttpHarness, type ClickHouseHttpHarnessProcess } from './clickhouse-http-harness-process';
export { ARTIFACTS_DIR, buildWebUi, launchBrowser } from './browser';
export { grpcTraceExport } from './otlp-grpc';
