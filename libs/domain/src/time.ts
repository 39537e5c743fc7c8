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
  const s = nanos / 1_000_000_000n;
  const ns = nanos % 1_000_000_000n;
  return `${s}.${ns.toString().padStart(9, '0')}`;
}

/** Milliseconds since the epoch (JS Date time, maybe fractional) → DateTime64(9) text. */
export function millisToDateTime64(ms: number): string {
  // ms * 1e6 is beyond 2^53 for any recent date: whole and fractional milliseconds apart stay exact.
  const whole = Math.floor(ms);
  return nanosToDateTime64(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}
