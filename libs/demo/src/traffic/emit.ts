// Turns a planned transaction into real SDK spans, log records and metric recordings. Spans get
// explicit start/end times so their durations follow the plan and the transaction ends at the
// given instant. A call into another service goes through the W3C trace-context propagator, as
// it would over HTTP: the callee's SERVER span has the caller's CLIENT span as remote parent.

import { ROOT_CONTEXT, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { LogSeverity, PlannedSpan, PlannedTransaction } from './plan';
import type { ServiceMetrics } from './metrics';
import type { TelemetryPipeline } from './telemetry';

export interface EmitTarget {
  telemetry: TelemetryPipeline;
  metrics: ReadonlyMap<string, ServiceMetrics>;
}

const propagator = new W3CTraceContextPropagator();
const SEVERITY: Record<LogSeverity, SeverityNumber> = {
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

/** Emits the transaction so that it ends at `endUs` (epoch microseconds); returns its trace id. */
export function emitTransaction(tx: PlannedTransaction, endUs: number, target: EmitTarget): string {
  const touched = new Set<string>();
  const traceId = emitSpan(tx.root, ROOT_CONTEXT, endUs - tx.root.durationUs, target, touched);
  for (const service of touched) target.metrics.get(service)?.endTransaction();
  return traceId;
}

function emitSpan(planned: PlannedSpan, parent: Context, startUs: number, target: EmitTarget, touched: Set<string>): string {
  const { tracer, logger } = target.telemetry.forService(planned.service.name);
  const span = tracer.startSpan(
    planned.name,
    { kind: planned.kind, startTime: toHrTime(startUs), attributes: planned.attributes },
    planned.remoteParent ? throughHeaders(parent) : parent,
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  for (const child of planned.children) emitSpan(child, ctx, startUs + child.offsetUs, target, touched);

  if (planned.error) {
    const ex = planned.error.exception;
    if (ex) span.recordException({ name: ex.type, message: ex.message, stack: ex.stacktrace }, toHrTime(startUs + ex.offsetUs));
    span.setStatus({ code: SpanStatusCode.ERROR, message: planned.error.message });
  }
  for (const log of planned.logs) {
    const at = toHrTime(startUs + log.offsetUs);
    logger.emit({
      timestamp: at,
      observedTimestamp: at,
      severityNumber: SEVERITY[log.severity],
      severityText: log.severity,
      body: log.body,
      attributes: log.attributes,
      context: ctx,
    });
  }
  target.metrics.get(planned.service.name)?.record(planned);
  touched.add(planned.service.name);
  span.end(toHrTime(startUs + planned.durationUs));
  return span.spanContext().traceId;
}

/** What the callee sees: the caller's context injected into headers and extracted again. */
function throughHeaders(ctx: Context): Context {
  const headers: Record<string, string> = {};
  propagator.inject(ctx, headers, defaultTextMapSetter);
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** Integer microseconds → HrTime without floating-point drift, so durations are exact. */
function toHrTime(epochUs: number): HrTime {
  const us = Math.round(epochUs);
  const seconds = Math.floor(us / 1_000_000);
  return [seconds, (us - seconds * 1_000_000) * 1000];
}
