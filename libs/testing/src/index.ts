export { runMeridianCli, startMeridian, type MeridianProcess, type StartOptions } from './meridian-process';
export { ApiClient } from './api-client';
export { sdkTelemetry, type SdkProtocol, type SdkTelemetry } from './sdk-telemetry';
