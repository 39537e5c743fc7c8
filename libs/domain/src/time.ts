/** Nanoseconds since the Unix epoch → "<seconds>.<9-digit nanos>", exact for DateTime64(9). */
export function nanosToDateTime64(nanos: bigint): string {
  if (nanos < 0n) nanos = 0n;
  const s = nanos / 1_000_000_000n;
  const ns = nanos % 1_000_000_000n;
  return `${s}.${ns.toString().padStart(9, '0')}`;
}

/** Milliseconds since the epoch (JS Date time) → DateTime64(9) text. */
export function millisToDateTime64(ms: number): string {
  return nanosToDateTime64(BigInt(Math.round(ms * 1e6)));
}
