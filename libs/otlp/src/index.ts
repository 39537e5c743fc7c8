/**
 * @meridian/otlp — the OTLP wire format: decode export requests (protobuf and OTLP/JSON) into
 * normalized objects with per-item validation, and encode the responses.
 */
export * from './types';
export { OtlpDecodeError } from './errors';
export { decodeTraces } from './traces';
export { decodeMetrics } from './metrics';
export { decodeLogs } from './logs';
export { encodeExportResponse, encodeRpcStatus } from './responses';
