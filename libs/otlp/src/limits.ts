/**
 * The per-item rules of intake, applied while normalizing: what every stored time must be
 * (inside DateTime64(9) and inside the accepted window), and the per-item limits that cut an
 * item down without rejecting it (attributes per item, attribute value length, events and
 * links per span), each cut counted so intake can report it.
 */

/** Per-item limits (config `intake.*`); the defaults follow the OpenTelemetry SDK limits. */
export interface ItemLimits {
  /** Attributes kept per attribute set (resource, scope, span, event, link, data point, log record); the rest are dropped. */
  maxAttributesPerItem: number;
  /** UTF-8 bytes kept of each string (and bytes value) inside an attribute value, cut on a character boundary. */
  maxAttributeValueBytes: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
  /** An item whose time is further than this ahead of the receive time is rejected. */
  maxFutureSkewMs: number;
}

export const DEFAULT_ITEM_LIMITS: Readonly<ItemLimits> = {
  maxAttributesPerItem: 128,
  maxAttributeValueBytes: 16 * 1024,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
  maxFutureSkewMs: 24 * 60 * 60 * 1000,
};

export interface DecodeOptions {
  /** Default DEFAULT_ITEM_LIMITS. */
  limits?: Readonly<ItemLimits>;
  /** The tenant's retention: items older than this many days before the receive time are rejected. Unset: no such bound. */
  retentionDays?: number;
  /** The receive time (ms since the epoch); default Date.now(). */
  nowMs?: number;
}

/** What the per-item limits cut from a request: dropped attributes, events and links, and shortened attribute values. */
export interface Truncations {
  attributes: number;
  attributeValues: number;
  events: number;
  links: number;
}

/** The latest time DateTime64(9) holds: 2^63 - 1 ns after the epoch. Later times (or negative ones, which wrap to here as uint64) fail the whole insert. */
export const MAX_TIME_NANOS = 2n ** 63n - 1n;
const TWO_64 = 2n ** 64n;
const NANOS_PER_MS = 1_000_000n;
const NANOS_PER_DAY = 86_400_000_000_000n;
/** The longest retention the ClickHouse tables honour (their TTL clamps to it; storage-clickhouse MAX_RETENTION_DAYS). */
const MAX_RETENTION_DAYS = 3650;

/** ISO text of a time in nanoseconds, for messages (Date covers every time that passes the range check). */
export function isoOfNanos(nanos: bigint): string {
  return new Date(Number(nanos / NANOS_PER_MS)).toISOString();
}

/** The rules of one decode: limits, the accepted time window and the running count of what was cut. */
export class ItemRules {
  readonly limits: Readonly<ItemLimits>;
  readonly truncated: Truncations = { attributes: 0, attributeValues: 0, events: 0, links: 0 };
  /** The receive time, for log records that carry no time at all. */
  readonly nowNanos: bigint;
  private readonly oldestNanos: bigint;
  private readonly latestNanos: bigint;
  private readonly retentionDays: number | undefined;

  constructor(options: DecodeOptions = {}) {
    this.limits = options.limits ?? DEFAULT_ITEM_LIMITS;
    this.nowNanos = BigInt(Math.trunc(options.nowMs ?? Date.now())) * NANOS_PER_MS;
    // Beyond MAX_RETENTION_DAYS rows would be expired by the table TTL anyway, and would widen a batch past the partitions one insert may touch.
    const days = options.retentionDays === undefined ? undefined : Math.min(Math.trunc(options.retentionDays), MAX_RETENTION_DAYS);
    const oldest = days === undefined ? 0n : this.nowNanos - BigInt(days) * NANOS_PER_DAY;
    this.retentionDays = days;
    this.oldestNanos = oldest > 0n ? oldest : 0n;
    const latest = this.nowNanos + BigInt(Math.trunc(this.limits.maxFutureSkewMs)) * NANOS_PER_MS;
    this.latestNanos = latest < MAX_TIME_NANOS ? latest : MAX_TIME_NANOS;
  }

  /** Why `nanos` cannot be stored at all ("<field>: <problem>"), or null. 0 passes (absent). */
  rangeProblem(field: string, nanos: bigint): string | null {
    if (nanos <= MAX_TIME_NANOS) return null;
    // A negative JSON value arrives as its uint64 two's complement, hence both readings.
    return `${field}: out of range (${nanos} as uint64, ${nanos - TWO_64} as int64); expected nanoseconds since 1970-01-01 up to ${MAX_TIME_NANOS} (2262-04-11T23:47:16Z), the last time that can be stored`;
  }

  /** rangeProblem, then whether `nanos` lies in the accepted window (not older than the retention, not too far ahead). */
  windowProblem(field: string, nanos: bigint): string | null {
    const range = this.rangeProblem(field, nanos);
    if (range !== null) return range;
    if (nanos > this.latestNanos) {
      return `${field}: ${isoOfNanos(nanos)} is more than ${this.limits.maxFutureSkewMs} ms after the receive time ${isoOfNanos(this.nowNanos)} (intake.maxFutureSkewMs); check the sender's clock`;
    }
    if (nanos < this.oldestNanos) {
      return `${field}: ${isoOfNanos(nanos)} is older than the tenant's retention of ${this.retentionDays} days before the receive time ${isoOfNanos(this.nowNanos)}`;
    }
    return null;
  }
}
