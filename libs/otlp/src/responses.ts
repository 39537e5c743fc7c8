import { ExportLogsServiceResponse, ExportMetricsServiceResponse, ExportTraceServiceResponse, type MessageCodec, RpcStatus } from './proto';
import type { OtlpEncoding, OtlpSignal } from './types';

/** Per signal: the response message and the name of its rejected-items counter. */
const RESPONSES: Record<OtlpSignal, { codec: MessageCodec<object>; rejectedField: string }> = {
  traces: { codec: ExportTraceServiceResponse, rejectedField: 'rejectedSpans' },
  metrics: { codec: ExportMetricsServiceResponse, rejectedField: 'rejectedDataPoints' },
  logs: { codec: ExportLogsServiceResponse, rejectedField: 'rejectedLogRecords' },
};

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Export<Signal>ServiceResponse. Without `partial` it is empty (full success); with it,
 * partialSuccess carries the rejected count and the message. JSON follows OTLP/JSON:
 * lowerCamelCase names, the int64 counter as a decimal string.
 */
export function encodeExportResponse(signal: OtlpSignal, encoding: OtlpEncoding, partial?: { rejected: number; errorMessage: string }): Buffer {
  const { codec, rejectedField } = RESPONSES[signal];
  const message = codec.fromObject(partial ? { partialSuccess: { [rejectedField]: partial.rejected, errorMessage: partial.errorMessage } } : {});
  if (encoding === 'json') return Buffer.from(JSON.stringify(codec.toObject(message, { longs: String })), 'utf8');
  return toBuffer(codec.encode(message).finish());
}

/** google.rpc.Status, the body of an OTLP/HTTP error response (and of gRPC status details). */
export function encodeRpcStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  const status = RpcStatus.fromObject({ code, message });
  if (encoding === 'json') return Buffer.from(JSON.stringify(RpcStatus.toObject(status, { defaults: true })), 'utf8');
  return toBuffer(RpcStatus.encode(status).finish());
}
