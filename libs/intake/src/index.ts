export { IntakeModule, IntakeServers, type IntakeModuleOptions } from './intake.module';
export { IntakeService, type AcceptResult } from './intake.service';
export { CachingKeyVerifier, INGEST_KEY_VERIFIER, presentedKey, type IngestIdentity, type IngestKeyVerifier } from './key-verifier';
export { OtlpHttpServer } from './otlp-http.server';
export { OtlpGrpcServer } from './otlp-grpc.server';
