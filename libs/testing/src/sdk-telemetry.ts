import { Metadata } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsHttpJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsHttpJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '@opentelemetry/api-logs';
import type { Meter, Tracer } from '@opentelemetry/api';

/** The exporters' compression option ('gzip' | 'none'); its enum lives in an internal package. */
type CompressionAlgorithm = NonNullable<ConstructorParameters<typeof TracesProto>[0]>['compression'];

export type SdkProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface SdkTelemetry {
  tracer: Tracer;
  meter: Meter;
  logger: Logger;
  /** Exports everything recorded so far (spans, a metrics collection, logs). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  severity: typeof SeverityNumber;
}

/**
 * The unmodified OpenTelemetry JS SDK with the standard OTLP exporter for `protocol`, pointed
 * at a Meridian intake with an ingest key — what an instrumented application runs.
 */
export function sdkTelemetry(opts: {
  protocol: SdkProtocol;
  httpPort: number;
  grpcPort: number;
  key: string;
  serviceName: string;
  resource?: Record<string, string>;
  gzip?: boolean;
}): SdkTelemetry {
  const headers = { authorization: `Bearer ${opts.key}` };
  const compression = (opts.gzip ? 'gzip' : 'none') as CompressionAlgorithm;
  const http = (signal: string) => ({ url: `http://127.0.0.1:${opts.httpPort}/v1/${signal}`, headers, compression });
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${opts.key}`);
  const grpc = { url: `http://127.0.0.1:${opts.grpcPort}`, metadata, compression };

  const exporters = {
    'http/protobuf': () => ({ traces: new TracesProto(http('traces')), metrics: new MetricsProto(http('metrics')), logs: new LogsProto(http('logs')) }),
    'http/json': () => ({ traces: new TracesHttpJson(http('traces')), metrics: new MetricsHttpJson(http('metrics')), logs: new LogsHttpJson(http('logs')) }),
    grpc: () => ({ traces: new TracesGrpc(grpc), metrics: new MetricsGrpc(grpc), logs: new LogsGrpc(grpc) }),
  }[opts.protocol]();

  const resource = resourceFromAttributes({ 'service.name': opts.serviceName, ...opts.resource });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporters.traces, { scheduledDelayMillis: 100 })] });
  const reader = new PeriodicExportingMetricReader({ exporter: exporters.metrics, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: exporters.logs, scheduledDelayMillis: 100 })] });

  return {
    tracer: tracerProvider.getTracer('meridian-e2e', '1.0.0'),
    meter: meterProvider.getMeter('meridian-e2e', '1.0.0'),
    logger: loggerProvider.getLogger('meridian-e2e', '1.0.0'),
    severity: SeverityNumber,
    async flush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}
