/**
 * @meridian/otlp — the OTLP wire format: decode export requests (protobuf and OTLP/JSON) into
 * normalized objects with per-item validation, and encode the responses.
 */
export * from './types';
export { OtlpDecodeError } from './errors';
export {
  checkRequestLimits,
  checkRequestPrefix,
  DEFAULT_REQUEST_LIMITS,
  MAX_ANY_VALUE_DEPTH,
  RequestLimitError,
  type RequestLimitReason,
  type RequestLimits,
  type WireCounts,
} from './wire-limits';
export { DEFAULT_ITEM_LIMITS, type DecodeOptions, type ItemLimits, MAX_TIME_NANOS, type Truncations } from './limits';
export { truncateUtf8 } from './values';
export { decodeTraces } from './traces';
export { type SpanSink, type StreamedSpan, streamTraces } from './trace-stream';
export { decodeMetrics } from './metrics';
export { decodeLogs } from './logs';
export { encodeExportResponse, encodeRpcStatus } from './responses';
