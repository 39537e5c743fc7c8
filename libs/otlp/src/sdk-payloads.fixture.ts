/**
 * Real OTLP payloads for the specs: telemetry made with the OpenTelemetry JS SDK and serialized
 * by the SDK's own exporters' serializers (@opentelemetry/otlp-transformer 0.223, which does not
 * share code with the generated decoder we use).
 */
import { context, type HrTime, SpanKind, SpanStatusCode, trace, ValueType } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, AggregationType, InstrumentType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The SDK exporters' own serializers, per signal. */
export const SDK_SERIALIZERS = {
  traces: { protobuf: ProtobufTraceSerializer, json: JsonTraceSerializer },
  metrics: { protobuf: ProtobufMetricsSerializer, json: JsonMetricsSerializer },
  logs: { protobuf: ProtobufLogsSerializer, json: JsonLogsSerializer },
} as const;

export interface Payloads<T> {
  source: T;
  protobuf: Uint8Array;
  json: Uint8Array;
}

/** A time with every nanosecond digit significant: 2023-11-14T22:13:20.123456789Z + offset. */
export function hr(offsetNanos: number): HrTime {
  const base = 1_700_000_000_123_456_789n + BigInt(offsetNanos);
  return [Number(base / 1_000_000_000n), Number(base % 1_000_000_000n)];
}
export function hrNanos(offsetNanos: number): bigint {
  return 1_700_000_000_123_456_789n + BigInt(offsetNanos);
}

function recordSpans(serviceName: string, build: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'host.name': 'web-01', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  build(provider.getTracer('meridian-test', '1.2.3'));
  return exporter.getFinishedSpans();
}

/**
 * Two services: `checkout` (a SERVER root span with events/link/error status, an INTERNAL
 * child, a CLIENT db span under it) and `payments` (a SERVER span whose parent is the
 * checkout client span).
 */
export function tracePayloads(): Payloads<ReadableSpan[]> {
  const linkTarget = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  let clientSpanContext = trace.wrapSpanContext(linkTarget).spanContext();
  const checkout = recordSpans('checkout', (tracer) => {
    const root = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      startTime: hr(0),
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/orders/:id',
        'http.response.status_code': 503,
        'url.path': '/orders/42',
        ratio: 0.25,
        retried: true,
        tags: ['a', 'b'],
        big: 9007199254740991,
      },
      links: [{ context: linkTarget, attributes: { 'link.kind': 'follows' } }],
    });
    root.addEvent('cache.miss', { key: 'order:42', size: 3 }, hr(1_000));
    root.addEvent('retry', undefined, hr(2_001));
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
    const rootCtx = trace.setSpan(context.active(), root);
    const internal = tracer.startSpan('load order', { kind: SpanKind.INTERNAL, startTime: hr(10_000) }, rootCtx);
    const db = tracer.startSpan(
      'SELECT orders',
      {
        kind: SpanKind.CLIENT,
        startTime: hr(20_000),
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.query.text': "SELECT * FROM orders WHERE id = 42 AND state IN ('a', 'b')",
          'db.operation.name': 'SELECT',
          'server.address': 'pg-1.internal',
          'server.port': 5432,
        },
      },
      trace.setSpan(context.active(), internal),
    );
    clientSpanContext = db.spanContext();
    db.end(hr(1_020_000));
    internal.end(hr(2_000_000));
    root.end(hr(5_000_001));
  });
  const payments = recordSpans('payments', (tracer) => {
    const server = tracer.startSpan(
      'POST /charge',
      { kind: SpanKind.SERVER, startTime: hr(30_000), attributes: { 'http.method': 'POST', 'http.route': '/charge', 'http.status_code': 200 } },
      trace.setSpanContext(context.active(), clientSpanContext),
    );
    server.end(hr(900_000));
  });
  const spans = [...checkout, ...payments];
  return { source: spans, protobuf: SDK_SERIALIZERS.traces.protobuf.serializeRequest(spans)!, json: SDK_SERIALIZERS.traces.json.serializeRequest(spans)! };
}

/** A reader the test collects from by hand. */
class ManualReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Gauge (int and double), monotonic int cumulative sum (counter), non-monotonic delta sum
 * (up-down counter), explicit-bucket histogram, exponential histogram. (The JS SDK has no
 * summary aggregation: specs build summaries with the generated encoder.)
 */
export async function metricPayloads() {
  const reader = new ManualReader({
    aggregationTemporalitySelector: (t) => (t === InstrumentType.UP_DOWN_COUNTER ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-01' }),
    readers: [reader],
    views: [
      { instrumentName: 'latency', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [10, 100, 1000] } } },
      { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
    ],
  });
  const meter = provider.getMeter('meridian-test', '1.2.3');
  meter.createGauge('queue.depth', { description: 'items waiting', unit: '{item}', valueType: ValueType.INT }).record(17, { queue: 'orders' });
  meter.createGauge('cpu.utilization', { unit: '1' }).record(0.625);
  meter.createCounter('requests', { unit: '{request}', valueType: ValueType.INT }).add(5, { route: '/orders/:id' });
  meter.createUpDownCounter('connections', { valueType: ValueType.INT }).add(-3);
  const latency = meter.createHistogram('latency', { unit: 'ms' });
  for (const v of [5, 50, 500, 5000, 7]) latency.record(v, { route: '/orders/:id' });
  const size = meter.createHistogram('payload.size', { unit: 'By' });
  for (const v of [1, 2, 4, 1024, 0]) size.record(v);
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw errors[0];
  await provider.shutdown();
  return {
    source: resourceMetrics,
    protobuf: SDK_SERIALIZERS.metrics.protobuf.serializeRequest(resourceMetrics)!,
    json: SDK_SERIALIZERS.metrics.json.serializeRequest(resourceMetrics)!,
  };
}

/** Log records: string body, structured body (kvlist, array, bytes, int, double), one inside a span. */
export function logPayloads() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-01' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('meridian-test', '1.2.3');
  const spanContext = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: 1 };
  logger.emit({
    timestamp: hr(0),
    observedTimestamp: hr(5),
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'order 42 failed',
    attributes: { 'exception.type': 'TimeoutError', attempt: 3 },
    context: trace.setSpanContext(context.active(), spanContext),
    eventName: 'order.failed',
  });
  logger.emit({
    timestamp: hr(1_000),
    observedTimestamp: hr(1_001),
    severityNumber: SeverityNumber.INFO,
    body: { user: 'kim', ids: [1, 2.5, 'x'], raw: new Uint8Array([0, 1, 254, 255]), nested: { ok: true } },
  });
  const records = exporter.getFinishedLogRecords();
  return { source: records, protobuf: SDK_SERIALIZERS.logs.protobuf.serializeRequest(records)!, json: SDK_SERIALIZERS.logs.json.serializeRequest(records)! };
}
