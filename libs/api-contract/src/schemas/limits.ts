import { z } from 'zod';
import { INGEST_LIMIT_MAXIMA, USAGE_SIGNALS, type IngestLimitField } from '@meridian/domain';

/** Per-tenant ingest limits and metered usage (issue 12, item 4). */

const override = (field: IngestLimitField) =>
  z
    .number({ error: `must be a whole number from 1 to ${INGEST_LIMIT_MAXIMA[field]}, or null for the configured default` })
    .int(`must be a whole number from 1 to ${INGEST_LIMIT_MAXIMA[field]}, or null for the configured default`)
    .min(1, `must be a whole number from 1 to ${INGEST_LIMIT_MAXIMA[field]}, or null for the configured default`)
    .max(INGEST_LIMIT_MAXIMA[field], `must be at most ${INGEST_LIMIT_MAXIMA[field]} (or null for the configured default)`)
    .nullable();

/** PUT body: replaces every override; null = back to the configured default. All four fields are required. */
export const ingestLimitOverridesBody = z.strictObject({
  spansPerSecond: override('spansPerSecond'),
  dataPointsPerSecond: override('dataPointsPerSecond'),
  logRecordsPerSecond: override('logRecordsPerSecond'),
  bytesPerSecond: override('bytesPerSecond'),
});

const effectiveLimit = z.object({
  /** What intake enforces for this tenant (across all intakes together). */
  effective: z.number().int(),
  /** The configured default (`intake.limits.*`). */
  default: z.number().int(),
  /** The operator's override, or null when the default applies. */
  override: z.number().int().nullable(),
});

export const ingestLimitsResponse = z.object({
  spansPerSecond: effectiveLimit,
  dataPointsPerSecond: effectiveLimit,
  logRecordsPerSecond: effectiveLimit,
  bytesPerSecond: effectiveLimit,
  /** Each limit's bucket holds this many seconds of its rate, so short bursts pass. */
  burstSeconds: z.number(),
});

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const day = z
  .string()
  .regex(DAY_RE, 'expected a UTC day written YYYY-MM-DD, e.g. 2026-12-06')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'expected a real calendar day (YYYY-MM-DD)',
  )
  // PostgreSQL has no year 0 (a 500), and nothing was metered before 1970.
  .refine((d) => d >= '1970-01-01', 'expected a day from 1970-01-01 on');

/** Usage is kept per day; one answer covers at most this many days. */
export const USAGE_MAX_DAYS = 366;

export const ingestUsageQuery = z.object({
  /** First day (UTC, included); default: 29 days before `to`. */
  from: day.optional(),
  /** Last day (UTC, included); default: today. */
  to: day.optional(),
});

export const usageSignalSchema = z.enum(USAGE_SIGNALS);

const counters = {
  acceptedItems: z.number().int(),
  acceptedBytes: z.number().int(),
  rejectedItems: z.number().int(),
  throttledItems: z.number().int(),
  throttledBytes: z.number().int(),
};

export const usageRowSchema = z.object({ day: z.string(), signal: usageSignalSchema, ...counters });
export const usageTotalSchema = z.object({ signal: usageSignalSchema, ...counters });

export const ingestUsageResponse = z.object({
  from: z.string(),
  to: z.string(),
  /** Today (UTC) on the server, so clients can pick today's row without trusting their clock. */
  today: z.string(),
  /** One row per day and signal that saw traffic, by day, then traces, metrics, logs. */
  days: z.array(usageRowSchema),
  /** Sums over the range per signal (every signal, zeros included). Items are spans, data points or log records. */
  totals: z.array(usageTotalSchema),
});
export type IngestUsageResponse = z.infer<typeof ingestUsageResponse>;
export type IngestLimitsResponse = z.infer<typeof ingestLimitsResponse>;
