import { Writer } from 'protobufjs';

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The `grpc-status-details-bin` value for a refusal the client should retry later: a
 * google.rpc.Status { code, message, details: [Any(google.rpc.RetryInfo { retry_delay })] }.
 * OTLP/gRPC exporters retry RESOURCE_EXHAUSTED only when this RetryInfo is present, and wait
 * its delay. Written with protobufjs' Writer: three small fixed messages need no schema.
 */
export function retryInfoStatusDetails(code: number, message: string, retryAfterSeconds: number): Buffer {
  const duration = Writer.create()
    .uint32(0x08)
    .int64(Math.max(0, Math.ceil(retryAfterSeconds)))
    .finish(); // seconds = 1
  const retryInfo = Writer.create().uint32(0x0a).bytes(duration).finish(); // retry_delay = 1
  const any = Writer.create().uint32(0x0a).string(RETRY_INFO_TYPE_URL).uint32(0x12).bytes(retryInfo).finish(); // type_url = 1, value = 2
  const status = Writer.create().uint32(0x08).int32(code).uint32(0x12).string(message).uint32(0x1a).bytes(any).finish(); // code, message, details
  return Buffer.from(status.buffer, status.byteOffset, status.byteLength);
}
