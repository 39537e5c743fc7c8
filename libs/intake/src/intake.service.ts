import type { Bus } from '@meridian/bus';
import type { RowBatchMessage } from '@meridian/domain';
import { DEFAULT_ITEM_LIMITS, type ItemLimits, type OtlpEncoding, type OtlpSignal, type Truncations } from '@meridian/otlp';
import { checkRequestLimits, MAX_ANY_VALUE_DEPTH, type RequestLimits } from '@meridian/otlp';
import type { EncodePool } from './encode-pool';
import { counter, tenantCounter, type SelfMetrics, type TenantCounter } from '@meridian/self-metrics';
import { truncatedCounter } from './intake-metrics';
import type { IngestIdentity } from './key-verifier';
import { encodeRequest, type EncodeJob } from './request-rows';
import { IngestThrottledError, type TenantIngestLimiter } from './tenant-ingest-limiter';
import type { UsageMeter } from './usage-meter';

export interface AcceptResult {
  accepted: number;
  rejected: number;
  /** Says which items were rejected and why; empty when none were. */
  errorMessage: string;
}

/** Label `what` of meridian_intake_truncated_total per field of Truncations. */
const TRUNCATED_WHAT: ReadonlyArray<readonly [keyof Truncations, string]> = [
  ['attributes', 'attributes'],
  ['attributeValues', 'attribute_value'],
  ['events', 'events'],
  ['links', 'links'],
];

/**
 * The protocol-independent core of intake: decode, validate per item, turn into rows and put
 * them on the bus of the tenant's region. Returns only after the bus holds the rows durably;
 * throws OtlpDecodeError (whole payload bad) or BusUnavailableError (try again later).
 */
export class IntakeService {
  private readonly items?: TenantCounter<'signal' | 'outcome'>;
  private readonly throttled?: ReturnType<typeof counter<'signal' | 'limit'>>;
  private readonly truncated?: ReturnType<typeof truncatedCounter>;

  constructor(
    private readonly bus: Bus,
    metrics?: SelfMetrics,
    /** Per-tenant rate limits and the usage meter; without them every request is admitted and nothing is metered. */
    private readonly tenants: { limiter?: TenantIngestLimiter; usage?: UsageMeter } = {},
    /** Per-item limits and the future-skew window (config intake.itemLimits). */
    private readonly itemLimits: Readonly<ItemLimits> = DEFAULT_ITEM_LIMITS,
    /** Threads that decode and encode requests; without one, the calling thread does. */
    private readonly encoder?: EncodePool,
  ) {
    this.truncated = metrics && truncatedCounter(metrics);
    this.throttled =
      metrics &&
      counter(metrics, {
        name: 'meridian_intake_throttled_total',
        help: 'OTLP requests refused with 429 / RESOURCE_EXHAUSTED because their tenant was over an ingest limit (limit: items or bytes per second)',
        labelNames: ['signal', 'limit'],
      });
    this.items =
      metrics &&
      tenantCounter(metrics, {
        name: 'meridian_intake_items_total',
        help: 'OTLP items (spans, metric data points, log records) per tenant: accepted onto the bus, rejected as invalid (partial success), or refused because the bus was unavailable',
        labelNames: ['signal', 'outcome'],
      });
  }

  /** Before a body is read: refuses (IngestThrottledError) when its declared size alone is over the tenant's byte rate. */
  checkDeclaredBytes(signal: OtlpSignal, who: IngestIdentity, declaredBytes: number): void {
    const limiter = this.tenants.limiter;
    if (limiter) this.admit(signal, who, { bytes: declaredBytes, items: 0 }, () => limiter.checkDeclaredBytes(who, signal, declaredBytes));
  }

  /** `handOver`: the caller will not touch `body` again, so its memory may move to an encode thread instead of being copied. */
  async accept(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, who: IngestIdentity, handOver = false): Promise<AcceptResult> {
    const limiter = this.tenants.limiter;
    const bytes = body.length;
    // Bytes before decoding; items after decoding, before publishing — or, while the tenant is being
    // throttled, counted on the wire (one allocation-free pass) and taken before decoding, so a
    // flood's refusals cost a scan instead of a decode. A refused request takes nothing.
    if (limiter) this.admit(signal, who, { bytes, items: 0 }, () => limiter.takeBytes(who, signal, bytes));
    const preTaken = limiter?.isThrottled(who, signal) ? checkRequestLimits(signal, encoding, body, COUNT_ONLY).items : 0;
    if (limiter && preTaken > 0) this.takeItems(limiter, signal, who, bytes, preTaken);
    const job: EncodeJob = {
      signal,
      encoding,
      body,
      ctx: { tenantId: who.tenantId, retentionDays: who.retentionDays },
      opts: { limits: this.itemLimits, retentionDays: who.retentionDays },
    };
    const encoded = this.encoder ? await this.encoder.run(job, handOver) : encodeRequest(job);
    const { rows, rejected, reasons, truncated } = encoded;
    const items = preTaken || rows + rejected;
    if (limiter && items > 0 && !preTaken) this.takeItems(limiter, signal, who, bytes, items);
    const count = (outcome: 'accepted' | 'rejected' | 'refused', n: number) => n > 0 && this.items?.inc({ tenant: who.tenantId, signal, outcome }, n);
    if (rows > 0) {
      const messages: RowBatchMessage[] = encoded.messages.map((m) => ({
        id: m.id,
        tenantId: who.tenantId,
        region: who.region,
        table: encoded.table,
        rowCount: m.rowCount,
        body: m.body,
        format: 'Native',
      }));
      // All or none: one publish, so a 503 never leaves half a request on the bus.
      try {
        await this.bus.publish(messages);
      } catch (e) {
        count('refused', rows);
        limiter?.refund(who, signal, { bytes, items }); // 503: the exporter sends it again
        throw e;
      }
      count('accepted', rows);
      for (const [field, what] of TRUNCATED_WHAT) if (truncated[field] > 0) this.truncated?.inc({ signal, what }, truncated[field]);
    }
    count('rejected', rejected); // only once answered: a refused request comes again
    this.tenants.usage?.record(who.tenantId, signal, { acceptedItems: rows, acceptedBytes: bytes, rejectedItems: rejected });
    const errorMessage = rejected > 0 ? `rejected ${rejected} ${ITEM_NAMES[signal]}: ${reasons.join('; ')}` : '';
    return { accepted: rows, rejected, errorMessage };
  }

  /** Takes the request's items, or refuses it whole: its bytes are given back and it is counted as throttled. */
  private takeItems(limiter: TenantIngestLimiter, signal: OtlpSignal, who: IngestIdentity, bytes: number, items: number): void {
    try {
      this.admit(signal, who, { bytes, items }, () => limiter.takeItems(who, signal, items));
    } catch (e) {
      limiter.refund(who, signal, { bytes, items: 0 });
      throw e;
    }
  }

  /** Runs a limiter check; a refusal is counted in /metrics and in the tenant's usage as throttled. */
  private admit(signal: OtlpSignal, who: IngestIdentity, refused: { bytes: number; items: number }, check: () => void): void {
    try {
      check();
    } catch (e) {
      if (e instanceof IngestThrottledError) {
        this.throttled?.inc({ signal, limit: e.stage === 'items' ? 'items' : 'bytes' });
        this.tenants.usage?.record(who.tenantId, signal, { throttledItems: refused.items, throttledBytes: refused.bytes });
      }
      throw e;
    }
  }
}

/** Only counts: the request guard already applied the configured limits (and cut deep values) to this body. */
const COUNT_ONLY: RequestLimits = {
  maxItems: Infinity,
  maxContainers: Infinity,
  maxKeyValues: Infinity,
  maxObjects: Infinity,
  maxValueDepth: MAX_ANY_VALUE_DEPTH,
};

const ITEM_NAMES: Record<OtlpSignal, string> = { traces: 'spans', metrics: 'data points', logs: 'log records' };
