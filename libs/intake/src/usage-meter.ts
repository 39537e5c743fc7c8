import type { OtlpSignal } from '@meridian/otlp';

/** Usage of one tenant on one UTC day for one signal: what intake accepted, rejected and throttled. */
export interface UsageDelta {
  tenantId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  signal: OtlpSignal;
  acceptedItems: number;
  acceptedBytes: number;
  /** Invalid items refused inside an accepted request (partial success). */
  rejectedItems: number;
  /** Items of requests refused with 429; 0 when refused before decoding (items unknown then). */
  throttledItems: number;
  throttledBytes: number;
}

/** Port to where usage is kept (the control plane): adds the deltas to the stored counts. */
export interface UsageSink {
  add(deltas: readonly UsageDelta[]): Promise<void>;
}
export const USAGE_SINK = Symbol('UsageSink');

type Counts = Omit<UsageDelta, 'tenantId' | 'day' | 'signal'>;
const COUNT_FIELDS = ['acceptedItems', 'acceptedBytes', 'rejectedItems', 'throttledItems', 'throttledBytes'] as const;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Adds up usage in memory per (tenant, UTC day, signal), so the hot path never writes to the
 * control plane; `take()` hands the sums over and starts again. Memory is one entry per tenant
 * and signal that sent since the last flush.
 */
export class UsageMeter {
  private pending = new Map<string, UsageDelta>();

  constructor(private readonly now: () => number = Date.now) {}

  record(tenantId: string, signal: OtlpSignal, counts: Partial<Counts>): void {
    this.addTo(tenantId, utcDay(this.now()), signal, counts);
  }

  /** The sums since the last take, and resets them. */
  take(): UsageDelta[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  /** Puts back deltas whose write failed, so they go out with the next flush. */
  restore(deltas: readonly UsageDelta[]): void {
    for (const d of deltas) this.addTo(d.tenantId, d.day, d.signal, d);
  }

  get size(): number {
    return this.pending.size;
  }

  private addTo(tenantId: string, day: string, signal: OtlpSignal, counts: Partial<Counts>): void {
    const key = `${tenantId}\u0000${day}\u0000${signal}`;
    let d = this.pending.get(key);
    if (!d) {
      d = { tenantId, day, signal, acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 };
      this.pending.set(key, d);
    }
    for (const f of COUNT_FIELDS) d[f] += counts[f] ?? 0;
  }
}

export interface UsageFlusherOptions {
  intervalMs: number;
  log?: (line: string) => void;
}

/**
 * Writes the meter's sums to the sink every `intervalMs` and once more on stop. A failed write
 * keeps its deltas for the next flush (usage is the basis for billing: nothing is dropped
 * while the control plane is briefly away). One flush at a time.
 */
export class UsageFlusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly meter: UsageMeter,
    private readonly sink: UsageSink,
    private readonly options: UsageFlusherOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Flushes what is pending now (after any flush in progress). */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.flushOnce());
    return this.running;
  }

  /** Stops the timer and writes what is left; call after intake stopped taking requests. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    const deltas = this.meter.take();
    if (deltas.length === 0) return;
    try {
      await this.sink.add(deltas);
    } catch (e) {
      this.meter.restore(deltas);
      this.options.log?.(`usage: writing ${deltas.length} usage counts failed, kept for the next flush: ${(e as Error).message}`);
    }
  }
}
