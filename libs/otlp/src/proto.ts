/**
 * The OTLP protobuf schema: static protobufjs code generated from the vendored .proto files
 * (libs/otlp/proto, see its README; `node scripts/generate-otlp-proto.js` regenerates it), plus
 * google.rpc.Status, which OTLP does not define.
 *
 * The generated code is untyped JavaScript, so the message shapes we read are typed here. They
 * describe protobufjs message instances: unset scalar fields read as null (the code is generated
 * with null defaults), unset repeated fields as an empty array, 64-bit integers as Long (the
 * `long` package is present, see the check below).
 */
import * as protobuf from 'protobufjs';
import { opentelemetry } from './generated/otlp';

/** A protobufjs Long (only the parts we read). */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}
/** A 64-bit field: bigint from OtlpReader (fixed64/sfixed64), Long from int64 varints and from fromObject. */
export type Int64 = bigint | LongLike | number | string | null | undefined;
type Str = string | null;
type Num = number | null;

export interface RawAnyValue {
  stringValue: Str;
  boolValue: boolean | null;
  intValue: Int64;
  doubleValue: Num;
  arrayValue: { values: RawAnyValue[] } | null;
  kvlistValue: { values: RawKeyValue[] } | null;
  bytesValue: Uint8Array | null;
}
export interface RawKeyValue {
  key: Str;
  value: RawAnyValue | null;
}
export interface RawResource {
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
}
export interface RawScope {
  name: Str;
  version: Str;
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
}

export interface RawEvent {
  timeUnixNano: Int64;
  name: Str;
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
}
export interface RawLink {
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  traceState: Str;
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
  flags: Num;
}
export interface RawSpan {
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  traceState: Str;
  parentSpanId: Uint8Array | null;
  flags: Num;
  name: Str;
  kind: Num;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
  events: RawEvent[];
  droppedEventsCount: Num;
  links: RawLink[];
  droppedLinksCount: Num;
  status: { message: Str; code: Num } | null;
}
export interface RawTracesRequest {
  resourceSpans: { resource: RawResource | null; schemaUrl: Str; scopeSpans: { scope: RawScope | null; schemaUrl: Str; spans: RawSpan[] }[] }[];
}

interface RawPointBase {
  attributes: RawKeyValue[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  flags: Num;
}
export interface RawNumberDataPoint extends RawPointBase {
  asDouble: Num;
  asInt: Int64;
}
export interface RawHistogramDataPoint extends RawPointBase {
  count: Int64;
  sum: Num;
  bucketCounts: Int64[];
  explicitBounds: number[];
  min: Num;
  max: Num;
}
export interface RawBuckets {
  offset: Num;
  bucketCounts: Int64[];
}
export interface RawExponentialHistogramDataPoint extends RawPointBase {
  count: Int64;
  sum: Num;
  scale: Num;
  zeroCount: Int64;
  zeroThreshold: Num;
  positive: RawBuckets | null;
  negative: RawBuckets | null;
  min: Num;
  max: Num;
}
export interface RawSummaryDataPoint extends RawPointBase {
  count: Int64;
  sum: Num;
  quantileValues: { quantile: Num; value: Num }[];
}
export interface RawMetric {
  name: Str;
  description: Str;
  unit: Str;
  metadata: RawKeyValue[];
  gauge: { dataPoints: RawNumberDataPoint[] } | null;
  sum: { dataPoints: RawNumberDataPoint[]; aggregationTemporality: Num; isMonotonic: boolean | null } | null;
  histogram: { dataPoints: RawHistogramDataPoint[]; aggregationTemporality: Num } | null;
  exponentialHistogram: { dataPoints: RawExponentialHistogramDataPoint[]; aggregationTemporality: Num } | null;
  summary: { dataPoints: RawSummaryDataPoint[] } | null;
}
export interface RawMetricsRequest {
  resourceMetrics: { resource: RawResource | null; schemaUrl: Str; scopeMetrics: { scope: RawScope | null; schemaUrl: Str; metrics: RawMetric[] }[] }[];
}

export interface RawLogRecord {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  severityNumber: Num;
  severityText: Str;
  body: RawAnyValue | null;
  attributes: RawKeyValue[];
  droppedAttributesCount: Num;
  flags: Num;
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  eventName: Str;
}
export interface RawLogsRequest {
  resourceLogs: { resource: RawResource | null; schemaUrl: Str; scopeLogs: { scope: RawScope | null; schemaUrl: Str; logRecords: RawLogRecord[] }[] }[];
}

/** The static-code API of one generated message type (the parts we use). */
export interface MessageCodec<T> {
  decode(reader: Uint8Array | protobuf.Reader): T;
  encode(message: T): protobuf.Writer;
  fromObject(object: Record<string, unknown>): T;
  toObject(message: T, options?: protobuf.IConversionOptions): Record<string, unknown>;
  create(properties?: Record<string, unknown>): T;
}

/** A generated decoder of one embedded message: `length` bytes from the reader's position. */
interface EmbeddedCodec<T> {
  decode(reader: protobuf.Reader, length: number): T;
}

/** The generated `opentelemetry` namespace (the parts we use). */
interface GeneratedNamespace {
  proto: {
    trace: { v1: { Span: { Event: EmbeddedCodec<RawEvent>; Link: EmbeddedCodec<RawLink> } } };
    common: { v1: { AnyValue: EmbeddedCodec<RawAnyValue>; InstrumentationScope: EmbeddedCodec<RawScope> } };
    resource: { v1: { Resource: EmbeddedCodec<RawResource> } };
    collector: {
      trace: { v1: { ExportTraceServiceRequest: MessageCodec<RawTracesRequest>; ExportTraceServiceResponse: MessageCodec<object> } };
      metrics: { v1: { ExportMetricsServiceRequest: MessageCodec<RawMetricsRequest>; ExportMetricsServiceResponse: MessageCodec<object> } };
      logs: { v1: { ExportLogsServiceRequest: MessageCodec<RawLogsRequest>; ExportLogsServiceResponse: MessageCodec<object> } };
    };
  };
}

const generated = (opentelemetry as GeneratedNamespace).proto;
const collector = generated.collector;

/** Decoders of the messages inside a span request, for the one-pass trace decoder (trace-stream.ts). */
export const SpanEventCodec = generated.trace.v1.Span.Event;
export const SpanLinkCodec = generated.trace.v1.Span.Link;
export const AnyValueCodec = generated.common.v1.AnyValue;
export const ScopeCodec = generated.common.v1.InstrumentationScope;
export const ResourceCodec = generated.resource.v1.Resource;

export const ExportTraceServiceRequest = collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = collector.trace.v1.ExportTraceServiceResponse;
export const ExportMetricsServiceRequest = collector.metrics.v1.ExportMetricsServiceRequest;
export const ExportMetricsServiceResponse = collector.metrics.v1.ExportMetricsServiceResponse;
export const ExportLogsServiceRequest = collector.logs.v1.ExportLogsServiceRequest;
export const ExportLogsServiceResponse = collector.logs.v1.ExportLogsServiceResponse;

// Without the `long` package protobufjs decodes fixed64 as a JS number and silently loses
// nanoseconds; refuse to run rather than store wrong times.
if (!protobuf.util.Long) {
  throw new Error('@meridian/otlp: protobufjs did not find the "long" package; 64-bit fields would lose precision');
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; } */
const rpcRoot = new protobuf.Root();
rpcRoot.define('google.protobuf').add(new protobuf.Type('Any').add(new protobuf.Field('typeUrl', 1, 'string')).add(new protobuf.Field('value', 2, 'bytes')));
rpcRoot.define('google.rpc').add(
  new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'))
    .add(new protobuf.Field('details', 3, 'google.protobuf.Any', 'repeated')),
);
export const RpcStatus: protobuf.Type = rpcRoot.lookupType('google.rpc.Status');
