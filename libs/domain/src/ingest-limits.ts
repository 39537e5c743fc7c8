/**
 * The per-tenant ingest limits an operator may override (issue 12, item 4), shared by the
 * control plane (validation before storing), the API contract and the CLI.
 */
export const INGEST_LIMIT_FIELDS = ['spansPerSecond', 'dataPointsPerSecond', 'logRecordsPerSecond', 'bytesPerSecond'] as const;
export type IngestLimitField = (typeof INGEST_LIMIT_FIELDS)[number];

/**
 * Largest override per field: far above what one tenant can send, yet small enough that a typo
 * (a few zeros too many) is refused instead of silently lifting a limit.
 */
export const INGEST_LIMIT_MAXIMA: Readonly<Record<IngestLimitField, number>> = {
  spansPerSecond: 100_000_000,
  dataPointsPerSecond: 100_000_000,
  logRecordsPerSecond: 100_000_000,
  bytesPerSecond: 100 * 1024 ** 3,
};

/** The signals usage is metered per. */
export const USAGE_SIGNALS = ['traces', 'metrics', 'logs'] as const;
export type UsageSignal = (typeof USAGE_SIGNALS)[number];
