import type { OtlpSignal } from '@meridian/otlp';

/** Per-tenant ingest rates, per second. */
export interface IngestLimits {
  spansPerSecond: number;
  dataPointsPerSecond: number;
  logRecordsPerSecond: number;
  /** Decompressed OTLP body bytes. */
  bytesPerSecond: number;
}

/** A tenant's overrides from the control plane; null keeps the configured default. */
export type IngestLimitOverrides = { [K in keyof IngestLimits]: number | null };

export interface TenantIngestLimiterOptions {
  /** Defaults for tenants without an override (config `intake.limits`). */
  defaults: IngestLimits;
  /** A bucket holds this many seconds of its rate. */
  burstSeconds: number;
  /** Intake processes sharing the traffic: this one enforces limit / replicas. */
  replicas: number;
  now?: () => number;
}

/** Which limit refused a request; `declared-bytes` means refused from Content-Length, before the body was read. */
export type ThrottleStage = 'declared-bytes' | 'bytes' | 'items';

/** The tenant is over one of its ingest limits: answer 429 / RESOURCE_EXHAUSTED with Retry-After. */
export class IngestThrottledError extends Error {
  constructor(
    readonly signal: OtlpSignal,
    readonly stage: ThrottleStage,
    /** Whole seconds until the bucket has room for this request, at least 1. */
    readonly retryAfterSeconds: number,
    limitPerSecond: number,
  ) {
    const what = stage === 'items' ? ITEM_NAMES[signal] : 'bytes';
    super(`tenant ingest limit of ${limitPerSecond} ${what}/s exceeded; retry after ${retryAfterSeconds} s, or ask the tenant's admin for a higher limit`);
    this.name = 'IngestThrottledError';
  }
}

const ITEM_NAMES: Record<OtlpSignal, string> = { traces: 'spans', metrics: 'data points', logs: 'log records' };
const ITEM_LIMIT: Record<OtlpSignal, keyof IngestLimits> = { traces: 'spansPerSecond', metrics: 'dataPointsPerSecond', logs: 'logRecordsPerSecond' };

/**
 * A token bucket with burst. Hand-written rather than rate-limiter-flexible: that library counts
 * points in fixed windows (2× the rate passes across a window edge), charges refused requests
 * to the window, and has no "take N only if N fit" — a refused OTLP request must cost nothing,
 * since the exporter sends it again. This is ~30 lines with an injected clock.
 *
 * A request larger than the whole burst passes when the bucket is full and leaves it in debt
 * (negative), otherwise such a request could never pass; the debt is paid back at the rate.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private rate: number,
    private burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes n tokens when they fit; otherwise takes nothing and returns the ms until they fit. */
  take(n: number, now: number): number {
    const wait = this.waitMs(n, now);
    if (wait === 0) this.tokens -= n;
    return wait;
  }

  /** Ms until n tokens fit (0: they fit now), taking nothing. */
  waitMs(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.burst);
    return this.tokens >= need ? 0 : ((need - this.tokens) / this.rate) * 1000;
  }

  /** Gives back tokens of a request that was refused after taking them. */
  give(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** Changes the rate (an override came or went), keeping the tokens it holds. */
  setRate(rate: number, burst: number, now: number): void {
    if (rate === this.rate && burst === this.burst) return;
    this.refill(now);
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /** Full again: forgetting this bucket and making a new one later changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now > this.at) this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = Math.max(this.at, now);
  }
}

interface TenantBuckets {
  items: Partial<Record<OtlpSignal, TokenBucket>>;
  bytes: TokenBucket;
  /** When a request of the signal was last refused for items. */
  itemsRefusedAt: Partial<Record<OtlpSignal, number>>;
}

/** A tenant refused for items this recently counts as being throttled (see isThrottled). */
const THROTTLED_WINDOW_MS = 1_000;

/** Limits as a tenant presents them with its key: overrides (or none) from the control plane. */
export interface LimitedTenant {
  tenantId: string;
  limits?: IngestLimitOverrides;
}

/**
 * Per-tenant ingest rate limits of this intake process: items per signal and decompressed bytes,
 * each a token bucket holding `burstSeconds` of its rate. Only the tenant over its limit is
 * refused. In distributed mode each intake enforces `limit / replicas` (a load balancer spreads
 * a tenant's connections over the intakes). Buckets of idle tenants are dropped once full.
 */
export class TenantIngestLimiter {
  private readonly tenants = new Map<string, TenantBuckets>();
  private readonly now: () => number;
  private lastSweep: number;

  constructor(
    private readonly options: TenantIngestLimiterOptions,
    /** Sweep idle buckets at most this often. */
    private readonly sweepIntervalMs = 10_000,
  ) {
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /** Tenants with live buckets (for tests and a gauge). */
  get trackedTenants(): number {
    return this.tenants.size;
  }

  /** The rate this process enforces for a tenant's limit. */
  ratePerSecond(who: LimitedTenant, limit: keyof IngestLimits): number {
    const configured = who.limits?.[limit] ?? this.options.defaults[limit];
    return configured / this.options.replicas;
  }

  /** Refuses, taking nothing, when even `declaredBytes` (a lower bound of the body) do not fit now. */
  checkDeclaredBytes(who: LimitedTenant, signal: OtlpSignal, declaredBytes: number): void {
    if (!(declaredBytes > 0)) return;
    const t = this.now();
    const wait = this.bucketsOf(who, t).bytes.waitMs(declaredBytes, t);
    if (wait > 0) throw this.throttled(who, signal, 'declared-bytes', wait);
  }

  /** Takes `bytes` from the tenant's byte bucket, or throws IngestThrottledError taking nothing. */
  takeBytes(who: LimitedTenant, signal: OtlpSignal, bytes: number): void {
    const t = this.now();
    const wait = this.bucketsOf(who, t).bytes.take(bytes, t);
    if (wait > 0) throw this.throttled(who, signal, 'bytes', wait);
  }

  /** Takes `items` of the signal, or throws IngestThrottledError taking nothing. */
  takeItems(who: LimitedTenant, signal: OtlpSignal, items: number): void {
    const t = this.now();
    const wait = this.itemBucket(who, signal, t).take(items, t);
    if (wait > 0) {
      this.bucketsOf(who, t).itemsRefusedAt[signal] = t;
      throw this.throttled(who, signal, 'items', wait);
    }
  }

  /** True while the tenant's requests of this signal are being refused for items (one refused in the last second). */
  isThrottled(who: LimitedTenant, signal: OtlpSignal): boolean {
    const at = this.tenants.get(who.tenantId)?.itemsRefusedAt[signal];
    return at !== undefined && this.now() - at < THROTTLED_WINDOW_MS;
  }

  /** Gives back what a request took when it was refused later (throttled on items, bus unavailable). */
  refund(who: LimitedTenant, signal: OtlpSignal, taken: { bytes: number; items: number }): void {
    const buckets = this.tenants.get(who.tenantId);
    if (!buckets) return;
    if (taken.bytes > 0) buckets.bytes.give(taken.bytes);
    if (taken.items > 0) buckets.items[signal]?.give(taken.items);
  }

  private throttled(who: LimitedTenant, signal: OtlpSignal, stage: ThrottleStage, waitMs: number): IngestThrottledError {
    const limit = stage === 'items' ? ITEM_LIMIT[signal] : 'bytesPerSecond';
    return new IngestThrottledError(signal, stage, Math.max(1, Math.ceil(waitMs / 1000)), who.limits?.[limit] ?? this.options.defaults[limit]);
  }

  private itemBucket(who: LimitedTenant, signal: OtlpSignal, t: number): TokenBucket {
    const buckets = this.bucketsOf(who, t);
    const rate = this.ratePerSecond(who, ITEM_LIMIT[signal]);
    const bucket = buckets.items[signal];
    if (bucket) {
      bucket.setRate(rate, rate * this.options.burstSeconds, t);
      return bucket;
    }
    return (buckets.items[signal] = new TokenBucket(rate, rate * this.options.burstSeconds, t));
  }

  private bucketsOf(who: LimitedTenant, t: number): TenantBuckets {
    this.sweep(t);
    const rate = this.ratePerSecond(who, 'bytesPerSecond');
    const found = this.tenants.get(who.tenantId);
    if (found) {
      // Limits travel with the cached key identity, so an override takes effect within intake.keyCacheMs.
      found.bytes.setRate(rate, rate * this.options.burstSeconds, t);
      return found;
    }
    const created: TenantBuckets = { items: {}, bytes: new TokenBucket(rate, rate * this.options.burstSeconds, t), itemsRefusedAt: {} };
    this.tenants.set(who.tenantId, created);
    return created;
  }

  /** Bounded memory: a tenant whose buckets are all full again is forgotten (a new bucket starts full). */
  private sweep(t: number): void {
    if (t - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = t;
    for (const [tenantId, b] of this.tenants) {
      if (b.bytes.isFull(t) && Object.values(b.items).every((bucket) => bucket.isFull(t))) this.tenants.delete(tenantId);
    }
  }
}
