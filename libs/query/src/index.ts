export { API_KEY_VERIFIER, type ApiIdentity, type ApiKeyVerifier } from './api-identity';
export { QueryApiModule } from './query-api.module';
export { parseWindow } from './query-params';
