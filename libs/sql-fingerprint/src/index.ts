export type { SqlDialect } from './dialect';
export { dialectForDbSystem } from './dialect';
export { fingerprintSql, MAX_SQL_INPUT_LENGTH, MAX_FINGERPRINT_LENGTH } from './fingerprint';
export { sqlFingerprintReady } from './pg-scanner';
