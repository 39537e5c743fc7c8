/** The latest time DateTime64(9) holds (2262-04-11T23:47:16.854775807Z): 2^63 - 1 ns after the epoch. */
const MAX_DATETIME64_NANOS = 2n ** 63n - 1n;

/**
 * Nanoseconds since the Unix epoch → "<seconds>.<9-digit nanos>", exact for DateTime64(9).
 * Clamped to 1970 … 2262-04-11: a time outside fails the whole insert (intake rejects such
 * items first; the clamp only keeps one bad value from blocking a batch).
 */
export function nanosToDateTime64(nanos: bigint): string {
  if (nanos < 0n) nanos = 0n;
  else if (nanos > MAX_DATETIME64_NANOS) nanos = MAX_DATETIME64_NANOS;
  // Cut the decimal digits instead of dividing: one BigInt→text conversion per time, no BigInt
  // temporaries (ingest converts two or more times per span).
  const digits = nanos.toString();
  const cut = digits.length - 9;
  return cut > 0 ? `${digits.slice(0, cut)}.${digits.slice(cut)}` : `0.${digits.padStart(9, '0')}`;
}

/** Milliseconds since the epoch (JS Date time, maybe fractional) → DateTime64(9) text. */
export function millisToDateTime64(ms: number): string {
  // ms * 1e6 is beyond 2^53 for any recent date: whole and fractional milliseconds apart stay exact.
  const whole = Math.floor(ms);
  return nanosToDateTime64(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}

/**
 * What the time columns hold, in epoch milliseconds. A read window outside its columns' range
 * would overflow inside ClickHouse (a 500); the read API answers 400 naming `from`/`to` instead.
 * Raw tables (spans, metric_points, logs) are DateTime64(9): 1900-01-01 … 2262-04-11T23:47:16Z.
 * Rollups (hitmap_5s, service_red_1m, sql_stats_1m, metric_rollup_1m) are DateTime, 32-bit
 * seconds: 1970-01-01 … 2106-02-07T06:28:00Z (the last whole minute, as windows round up to one).
 */
export const RAW_TIME_RANGE_MS = { min: Date.UTC(1900, 0, 1), max: Date.UTC(2262, 3, 11, 23, 47, 16) } as const;
export const ROLLUP_TIME_RANGE_MS = { min: 0, max: Date.UTC(2106, 1, 7, 6, 28, 0) } as const;

/** The longest duration a span can have (its end is at most 2^63 - 1 ns after the epoch), in ms. */
export const MAX_SPAN_DURATION_MS = Number(MAX_DATETIME64_NANOS / 1_000_000n);
