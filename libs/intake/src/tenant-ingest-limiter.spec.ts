import { IngestThrottledError, type IngestLimitOverrides, TenantIngestLimiter, TokenBucket } from './tenant-ingest-limiter';

const DEFAULTS = { spansPerSecond: 1_000, dataPointsPerSecond: 2_000, logRecordsPerSecond: 500, bytesPerSecond: 1_000_000 };
const NO_OVERRIDES: IngestLimitOverrides = { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null };

function setup(opts: { burstSeconds?: number; replicas?: number } = {}) {
  let t = 1_000_000;
  const limiter = new TenantIngestLimiter({ defaults: DEFAULTS, burstSeconds: opts.burstSeconds ?? 2, replicas: opts.replicas ?? 1, now: () => t });
  return { limiter, advance: (ms: number) => (t += ms) };
}

function refusal(fn: () => void): IngestThrottledError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IngestThrottledError) return e;
    throw e;
  }
  throw new Error('expected IngestThrottledError, nothing was thrown');
}

const a = { tenantId: 'a', limits: NO_OVERRIDES };
const b = { tenantId: 'b' };

describe('TokenBucket', () => {
  it('passes a burst, then refills at its rate; a refused take takes nothing', () => {
    const bucket = new TokenBucket(100, 200, 0);
    expect(bucket.take(200, 0)).toBe(0);
    expect(bucket.take(50, 0)).toBe(500); // 50 tokens at 100/s
    expect(bucket.take(50, 499)).toBeGreaterThan(0);
    expect(bucket.take(50, 500)).toBe(0);
    expect(bucket.take(1, 500)).toBe(10);
  });

  it('lets a request larger than the burst through when full, leaving a debt that is paid back at the rate', () => {
    const bucket = new TokenBucket(100, 200, 0);
    expect(bucket.take(500, 0)).toBe(0); // could never pass otherwise
    expect(bucket.waitMs(1, 0)).toBeCloseTo(3_010); // 300 debt + 1 token at 100/s
    expect(bucket.take(1, 3_010)).toBe(0);
  });

  it('never holds more than its burst, however long it idled', () => {
    const bucket = new TokenBucket(100, 200, 0);
    expect(bucket.isFull(0)).toBe(true);
    bucket.take(200, 0);
    expect(bucket.isFull(1_000)).toBe(false);
    expect(bucket.isFull(2_000)).toBe(true);
    expect(bucket.take(200, 60_000)).toBe(0);
    expect(bucket.take(1, 60_000)).toBeGreaterThan(0);
  });
});

describe('TenantIngestLimiter', () => {
  it('refuses the whole request over the rate with a Retry-After of whole seconds until it fits, and only for that tenant', () => {
    const { limiter, advance } = setup();
    limiter.takeItems(a, 'traces', 2_000); // the 2 s burst
    const e = refusal(() => limiter.takeItems(a, 'traces', 1_500));
    expect(e).toMatchObject({ stage: 'items', signal: 'traces', retryAfterSeconds: 2 }); // 1.5 s of refill, rounded up
    expect(e.message).toContain('1000 spans/s');
    limiter.takeItems(b, 'traces', 2_000); // another tenant is untouched
    limiter.takeItems(a, 'logs', 1_000); // and so are the tenant's other signals
    advance(1_499);
    expect(refusal(() => limiter.takeItems(a, 'traces', 1_500)).retryAfterSeconds).toBe(1); // never 0
    advance(1);
    limiter.takeItems(a, 'traces', 1_500);
  });

  it('applies per-tenant overrides, null meaning the default, and follows an override that changes', () => {
    const { limiter } = setup({ burstSeconds: 1 });
    const raised = { tenantId: 'a', limits: { ...NO_OVERRIDES, spansPerSecond: 5_000 } };
    limiter.takeItems(raised, 'traces', 5_000);
    expect(refusal(() => limiter.takeItems(raised, 'traces', 1)).message).toContain('5000 spans/s');
    limiter.takeItems(raised, 'metrics', 2_000); // null → default 2000/s
    expect(() => limiter.takeItems(raised, 'metrics', 1)).toThrow(IngestThrottledError);

    const lowered = { tenantId: 'c', limits: { ...NO_OVERRIDES, logRecordsPerSecond: 1_000 } };
    limiter.takeItems(lowered, 'logs', 1_000);
    const later = { tenantId: 'c', limits: { ...NO_OVERRIDES, logRecordsPerSecond: 10 } };
    expect(refusal(() => limiter.takeItems(later, 'logs', 10)).retryAfterSeconds).toBe(1);
    expect(limiter.ratePerSecond(later, 'logRecordsPerSecond')).toBe(10);
  });

  it('says a tenant is being throttled for a signal for a second after an items refusal (intake then counts items before decoding)', () => {
    const { limiter, advance } = setup({ burstSeconds: 1 });
    limiter.takeItems(a, 'traces', 1_000);
    expect(limiter.isThrottled(a, 'traces')).toBe(false);
    expect(() => limiter.takeItems(a, 'traces', 10)).toThrow(IngestThrottledError);
    expect(limiter.isThrottled(a, 'traces')).toBe(true);
    expect(limiter.isThrottled(a, 'logs')).toBe(false);
    expect(limiter.isThrottled(b, 'traces')).toBe(false);
    advance(999);
    expect(limiter.isThrottled(a, 'traces')).toBe(true);
    advance(1);
    expect(limiter.isThrottled(a, 'traces')).toBe(false);
  });

  it('enforces limit / replicas in each intake', () => {
    const { limiter } = setup({ replicas: 4, burstSeconds: 1 });
    expect(limiter.ratePerSecond(a, 'spansPerSecond')).toBe(250);
    limiter.takeItems(a, 'traces', 250);
    expect(() => limiter.takeItems(a, 'traces', 1)).toThrow(IngestThrottledError);
  });

  it('checks bytes: declared size without taking, read size taken, and refunds a refused request', () => {
    const { limiter } = setup({ burstSeconds: 1 });
    limiter.checkDeclaredBytes(a, 'traces', 1_000_000);
    limiter.checkDeclaredBytes(a, 'traces', 1_000_000); // a check takes nothing
    limiter.takeBytes(a, 'traces', 900_000);
    expect(refusal(() => limiter.checkDeclaredBytes(a, 'traces', 200_000))).toMatchObject({ stage: 'declared-bytes', retryAfterSeconds: 1 });
    expect(refusal(() => limiter.takeBytes(a, 'traces', 200_000)).stage).toBe('bytes');
    limiter.refund(a, 'traces', { bytes: 900_000, items: 0 }); // e.g. refused on items after its bytes were taken
    limiter.takeBytes(a, 'traces', 1_000_000);
  });

  it('forgets idle tenants once their buckets are full again (bounded memory), without changing any answer', () => {
    const { limiter, advance } = setup({ burstSeconds: 2 });
    for (let i = 0; i < 1_000; i++) limiter.takeItems({ tenantId: `t${i}` }, 'traces', 2_000);
    limiter.takeItems({ tenantId: 'debtor' }, 'traces', 30_000); // 28 s of debt
    expect(limiter.trackedTenants).toBe(1_001);
    advance(10_000); // the next call sweeps
    limiter.takeItems(b, 'traces', 1);
    expect(limiter.trackedTenants).toBe(2); // b, and the debtor: forgetting it would forgive its debt
    expect(() => limiter.takeItems({ tenantId: 'debtor' }, 'traces', 1)).toThrow(IngestThrottledError);
    advance(30_000);
    limiter.takeItems(b, 'traces', 1);
    expect(limiter.trackedTenants).toBe(1);
  });
});
