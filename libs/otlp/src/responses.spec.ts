import * as protobuf from 'protobufjs';
import { encodeExportResponse, encodeRpcStatus, type OtlpSignal } from './index';
import { ExportLogsServiceResponse, ExportMetricsServiceResponse, ExportTraceServiceResponse } from './proto';
import { SDK_SERIALIZERS } from './sdk-payloads.fixture';

const CASES = [
  { signal: 'traces', field: 'rejectedSpans', codec: ExportTraceServiceResponse, sdk: SDK_SERIALIZERS.traces },
  { signal: 'metrics', field: 'rejectedDataPoints', codec: ExportMetricsServiceResponse, sdk: SDK_SERIALIZERS.metrics },
  { signal: 'logs', field: 'rejectedLogRecords', codec: ExportLogsServiceResponse, sdk: SDK_SERIALIZERS.logs },
] as const;

describe.each(CASES)('encodeExportResponse($signal)', ({ signal, field, codec, sdk }) => {
  const partial = { rejected: 3, errorMessage: 'rejected 3: resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 32 hex characters' };

  it('protobuf partial success round-trips through the generated decoder and the SDK client', () => {
    const bytes = encodeExportResponse(signal as OtlpSignal, 'protobuf', partial);
    const decoded = codec.toObject(codec.decode(bytes), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { [field]: 3, errorMessage: partial.errorMessage } });
    expect(sdk.protobuf.deserializeResponse(bytes)).toEqual({ partialSuccess: { [field]: 3, errorMessage: partial.errorMessage } });
  });

  it('JSON partial success uses lowerCamelCase and the int64 as a string', () => {
    const bytes = encodeExportResponse(signal as OtlpSignal, 'json', partial);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ partialSuccess: { [field]: '3', errorMessage: partial.errorMessage } });
    expect(sdk.json.deserializeResponse(bytes)).toEqual({ partialSuccess: { [field]: '3', errorMessage: partial.errorMessage } });
    const viaGenerated = codec.toObject(codec.fromObject(JSON.parse(bytes.toString('utf8'))), { longs: Number });
    expect(viaGenerated).toEqual({ partialSuccess: { [field]: 3, errorMessage: partial.errorMessage } });
  });

  it('full success is an empty message', () => {
    expect(encodeExportResponse(signal as OtlpSignal, 'protobuf')).toHaveLength(0);
    expect(encodeExportResponse(signal as OtlpSignal, 'json').toString('utf8')).toBe('{}');
  });
});

/** Reads google.rpc.Status fields off the wire with protobufjs's generic Reader (no schema). */
function readStatusFields(bytes: Uint8Array): { code?: number; message?: string; other: number[] } {
  const reader = protobuf.Reader.create(bytes);
  const out: { code?: number; message?: string; other: number[] } = { other: [] };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 1 << 3 /* code, varint */) out.code = reader.int32();
    else if (tag === ((2 << 3) | 2) /* message, length-delimited */) out.message = reader.string();
    else {
      out.other.push(tag >>> 3);
      reader.skipType(tag & 7);
    }
  }
  return out;
}

describe('encodeRpcStatus', () => {
  it('encodes google.rpc.Status as protobuf (field 1 code, field 2 message)', () => {
    const bytes = encodeRpcStatus('protobuf', 3, 'invalid protobuf ExportTraceServiceRequest: index out of range');
    expect(readStatusFields(bytes)).toEqual({ code: 3, message: 'invalid protobuf ExportTraceServiceRequest: index out of range', other: [] });
  });

  it('encodes google.rpc.Status as JSON', () => {
    expect(JSON.parse(encodeRpcStatus('json', 16, 'missing ingest key').toString('utf8'))).toEqual({ code: 16, message: 'missing ingest key', details: [] });
  });
});
