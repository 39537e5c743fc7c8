// One OpenTelemetry SDK pipeline per demo service: TracerProvider, MeterProvider and
// LoggerProvider with that service's resource, each exporting OTLP/HTTP protobuf to the intake.
// Failed exports are counted (and reported) instead of thrown, so an unreachable intake never
// takes the host process down.

import type { Logger } from '@opentelemetry/api-logs';
import type { Meter, Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ServiceDef } from './scenarios';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface PipelineOptions {
  /** base URL without the /v1/… suffix */
  otlpHttpUrl: string;
  ingestKey: string;
  exportTimeoutMillis: number;
  metricExportIntervalMillis: number;
  onExportError(signal: Signal, error: Error | undefined): void;
}

export interface ServiceTelemetry {
  service: ServiceDef;
  tracer: Tracer;
  meter: Meter;
  logger: Logger;
}

export interface TelemetryPipeline {
  forService(name: string): ServiceTelemetry;
  /** flushes everything still buffered and shuts all providers down; never rejects */
  shutdown(): Promise<void>;
}

const SCOPE = { name: '@meridian/demo', version: '0.0.0' };

export function createTelemetryPipeline(services: readonly ServiceDef[], options: PipelineOptions): TelemetryPipeline {
  const exporterConfig = {
    headers: { authorization: `Bearer ${options.ingestKey}` },
    timeoutMillis: options.exportTimeoutMillis,
  };
  const byName = new Map<string, ServiceTelemetry>();
  const shutdowns: Array<() => Promise<void>> = [];

  for (const service of services) {
    const resource = serviceResource(service);

    const traceExporter = new OTLPTraceExporter({ ...exporterConfig, url: `${options.otlpHttpUrl}/v1/traces` });
    countFailures(traceExporter, (e) => options.onExportError('traces', e));
    const tracerProvider = new BasicTracerProvider({
      resource,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [
        new BatchSpanProcessor(traceExporter, {
          scheduledDelayMillis: 1000,
          maxExportBatchSize: 2048,
          maxQueueSize: 65_536,
          exportTimeoutMillis: options.exportTimeoutMillis * 2,
        }),
      ],
    });

    const metricExporter = new OTLPMetricExporter({ ...exporterConfig, url: `${options.otlpHttpUrl}/v1/metrics` });
    countFailures(metricExporter, (e) => options.onExportError('metrics', e));
    const meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: metricExporter,
          exportIntervalMillis: options.metricExportIntervalMillis,
          exportTimeoutMillis: Math.min(options.exportTimeoutMillis * 2, options.metricExportIntervalMillis),
        }),
      ],
    });

    const logExporter = new OTLPLogExporter({ ...exporterConfig, url: `${options.otlpHttpUrl}/v1/logs` });
    countFailures(logExporter, (e) => options.onExportError('logs', e));
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: logExporter,
          scheduledDelayMillis: 1000,
          maxExportBatchSize: 1024,
          maxQueueSize: 16_384,
          exportTimeoutMillis: options.exportTimeoutMillis * 2,
        }),
      ],
    });

    byName.set(service.name, {
      service,
      tracer: tracerProvider.getTracer(SCOPE.name, SCOPE.version),
      meter: meterProvider.getMeter(SCOPE.name, SCOPE.version),
      logger: loggerProvider.getLogger(SCOPE.name, SCOPE.version),
    });
    shutdowns.push(
      () => tracerProvider.shutdown(),
      () => meterProvider.shutdown(),
      () => loggerProvider.shutdown(),
    );
  }

  let shuttingDown: Promise<void> | undefined;
  return {
    forService(name) {
      const found = byName.get(name);
      if (!found) throw new Error(`demo-traffic: no telemetry pipeline for service "${name}"`);
      return found;
    },
    shutdown() {
      // Failures are already counted by the exporters; a provider that cannot flush must not
      // make stop() reject.
      shuttingDown ??= Promise.allSettled(shutdowns.map((s) => s())).then(() => undefined);
      return shuttingDown;
    },
  };
}

function serviceResource(service: ServiceDef): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      'service.name': service.name,
      'service.version': service.version,
      'service.namespace': 'meridian-demo',
      'service.instance.id': service.host,
      'host.name': service.host,
      'deployment.environment.name': 'demo',
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
    }),
  );
}

interface CallbackExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
}

/**
 * Wraps an exporter's export() so every failed export is reported. The SDK processors and
 * readers already swallow failures (they go to the global error handler); this only observes.
 */
function countFailures<T>(exporter: CallbackExporter<T>, onFailure: (error: Error | undefined) => void): void {
  const original = exporter.export.bind(exporter);
  exporter.export = (items, resultCallback) => {
    let settled = false;
    const done = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      if (result.code !== ExportResultCode.SUCCESS) onFailure(result.error);
      resultCallback(result);
    };
    try {
      original(items, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  };
}
