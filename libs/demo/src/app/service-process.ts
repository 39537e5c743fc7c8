/**
 * Entry point of one demo service process (forked by startDemoApp). What an instrumented Node.js
 * application does: register the OpenTelemetry SDK (traces and logs) and the auto-instrumentations for node:http,
 * pg and mysql2 FIRST, then load the application. Configuration (including the ingest key)
 * arrives over the IPC channel, so it is never on a command line; the process exits when its
 * parent goes away.
 */
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ServiceConfig } from './services';

export interface ServiceProcessConfig extends ServiceConfig {
  otlpUrl: string;
  ingestKey: string;
}

export type ParentMessage = { type: 'start'; config: ServiceProcessConfig };
export type ChildMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string };

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

async function start(cfg: ServiceProcessConfig): Promise<() => Promise<void>> {
  const resource = resourceFromAttributes({ 'service.name': cfg.service, 'service.namespace': 'meridian-demo', 'deployment.environment.name': 'demo' });
  const otlp = (signal: string) => ({ url: `${cfg.otlpUrl.replace(/\/+$/, '')}/v1/${signal}`, headers: { authorization: `Bearer ${cfg.ingestKey}` } });
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter(otlp('traces')),
        // Long enough that a request's spans usually leave in one batch (transactions are linked per batch).
        { scheduledDelayMillis: 1_000, maxQueueSize: 8_192, maxExportBatchSize: 2_048 },
      ),
    ],
  });
  provider.register();
  // The services log through the OpenTelemetry logs API; each record carries the active span's trace context.
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(otlp('logs')), scheduledDelayMillis: 1_000, maxQueueSize: 8_192 })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation(),
      // Only queries made while handling a request (or a job span) are traced, not pool set-up.
      new PgInstrumentation({ requireParentSpan: true }),
      new MySQL2Instrumentation(),
    ],
  });
  // Loaded after the instrumentations so that node:http, pg and mysql2 are patched.
  const { runService } = await import('./services');
  const running = await runService(cfg);
  send({ type: 'ready', port: running.port });
  return async () => {
    await running.close();
    await Promise.all([provider.shutdown(), loggerProvider.shutdown()]);
  };
}

let stop: (() => Promise<void>) | undefined;
const exit = async () => {
  await stop?.().catch(() => undefined);
  process.exit(0);
};
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start' && !stop) {
    start(msg.config).then(
      (s) => (stop = s),
      (e: Error) => {
        send({ type: 'failed', error: e.stack ?? e.message });
        process.exit(1);
      },
    );
  }
});
process.on('disconnect', () => void exit());
