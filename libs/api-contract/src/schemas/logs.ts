import { z } from 'zod';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

/** Severity levels of the histogram, in OTLP order (numbers 1–4 trace … 21–24 fatal, 0 unspecified). */
export const LOG_LEVEL_NAMES = ['unspecified', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Filters shared by the log search and its histogram. */
export const logFiltersQuery = windowQuery.extend({
  /** Text the body contains, case-insensitive; whitespace-separated terms ("quoted phrase" = one term), all required. */
  q: z.string().max(500).optional(),
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits')
    .optional(),
  service: z.string().max(500).optional(),
  minSeverity: z.coerce.number().int().min(0).max(24).optional(),
  /** `key=value`: the record's or its resource's attribute equals the value. */
  attr: z.string().max(1024).optional(),
});
export const logsQuery = logFiltersQuery.extend({ limit: z.coerce.number().int().min(1).max(10_000).optional() });
export const logSchema = z.object({
  time: isoTime,
  unixNanos: z.string(),
  traceId: z.string(),
  spanId: z.string(),
  severityNumber: z.number(),
  severityText: z.string(),
  service: z.string(),
  hostName: z.string(),
  body: z.string(),
  attributes: z.record(z.string(), z.string()),
  resourceAttributes: z.record(z.string(), z.string()),
  scopeName: z.string(),
  eventName: z.string(),
});
export const logsResponse = z.object({ logs: z.array(logSchema) });

/** Counts per bucket of `stepSeconds` (start `t`, ms) and level (`counts[i]` is `levels[i]`); empty buckets are absent. */
export const logHistogramResponse = z.object({
  from: isoTime,
  to: isoTime,
  stepSeconds: z.number().int(),
  levels: z.array(z.enum(LOG_LEVEL_NAMES)),
  buckets: z.array(z.object({ t: z.number(), counts: z.array(z.number().int()) })),
});
