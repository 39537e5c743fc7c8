export { runMeridianCli, startMeridian, type MeridianProcess, type StartOptions } from './meridian-process';
export { ApiClient } from './api-client';
export { SessionClient } from './session-client';
export { startTenantFixture, type TenantFixture } from './tenant-fixture';
export { freshPostgresDatabase } from './postgres-database';
export { countSpansByRegion } from './region-rows';
export { sdkTelemetry, type SdkProtocol, type SdkTelemetry } from './sdk-telemetry';
export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './kafka-broker';
export { ARTIFACTS_DIR, buildWebUi, launchBrowser } from './browser';
