import {
  checkRequestLimits,
  checkRequestPrefix,
  DEFAULT_REQUEST_LIMITS,
  type OtlpEncoding,
  type OtlpSignal,
  type RequestLimitReason,
  type RequestLimits,
  type WireCounts,
} from '@meridian/otlp';
import { counter, type SelfMetrics } from '@meridian/self-metrics';
import { truncatedCounter } from './intake-metrics';

/** Why intake refused a request before decoding it (the `reason` label of meridian_intake_refused_total). */
export type RefusalReason = RequestLimitReason | 'body_too_large' | 'inflight_budget';

export interface RequestGuardOptions {
  /** Per-request decode limits, checked on the bytes before anything is decoded. */
  requestLimits: RequestLimits;
  /** Decompressed body bytes held by all requests in flight in this process. */
  inflightBytes: number;
  /** Fraction of `inflightBytes` one tenant may hold at once, so one tenant cannot take all of it. */
  tenantInflightShare: number;
}

/** Over the in-flight budget (→ HTTP 503 + Retry-After / gRPC UNAVAILABLE: the client retries later). */
export class InflightBudgetError extends Error {
  readonly retryAfterSeconds = 1;
  constructor(message: string) {
    super(message);
    this.name = 'InflightBudgetError';
  }
}

/** Bytes of one request counted against the budget; release once the request is answered. */
export interface BudgetReservation {
  /** Counts `bytes` more; throws InflightBudgetError (having counted nothing) when over the process or tenant budget. */
  add(bytes: number): void;
  release(): void;
}

/**
 * A process-wide budget of decompressed body bytes held by requests being read, decoded or
 * published, with a per-tenant cap (a share of the whole). Memory for bodies stays bounded
 * however many large requests arrive at once, and one tenant's burst leaves room for others.
 */
export class InflightBudget {
  private used = 0;
  private readonly byTenant = new Map<string, number>();
  private readonly tenantCap: number;

  constructor(
    readonly totalBytes: number,
    tenantShare: number,
  ) {
    this.tenantCap = Math.max(1, Math.floor(totalBytes * tenantShare));
  }

  get inUse(): number {
    return this.used;
  }

  reserve(tenantId: string): BudgetReservation {
    let held = 0;
    let released = false;
    return {
      add: (bytes: number) => {
        if (released) throw new Error('BudgetReservation.add after release'); // a bug in the caller: the bytes would never be freed
        const tenantHeld = this.byTenant.get(tenantId) ?? 0;
        if (this.used + bytes > this.totalBytes) {
          throw new InflightBudgetError(`intake is busy: ${this.totalBytes} bytes of requests are in flight (intake.inflightBytes); retry later`);
        }
        if (tenantHeld + bytes > this.tenantCap) {
          throw new InflightBudgetError(
            `this tenant has ${tenantHeld} bytes of requests in flight, its share of intake.inflightBytes is ${this.tenantCap}; retry later or send fewer requests at once`,
          );
        }
        this.used += bytes;
        this.byTenant.set(tenantId, tenantHeld + bytes);
        held += bytes;
      },
      release: () => {
        released = true;
        if (held === 0) return;
        this.used -= held;
        const left = (this.byTenant.get(tenantId) ?? 0) - held;
        if (left > 0) this.byTenant.set(tenantId, left);
        else this.byTenant.delete(tenantId);
        held = 0;
      },
    };
  }
}

/**
 * What both OTLP servers check before a body is decoded: the in-flight byte budget and the
 * per-request decode limits; every refusal is counted by signal and reason (no tenant label).
 */
export class RequestGuard {
  readonly budget: InflightBudget;
  private readonly refusals?: ReturnType<typeof counter<'signal' | 'reason'>>;
  private readonly truncated?: ReturnType<typeof truncatedCounter>;

  constructor(
    private readonly options: RequestGuardOptions,
    metrics?: SelfMetrics,
  ) {
    this.budget = new InflightBudget(options.inflightBytes, options.tenantInflightShare);
    this.refusals =
      metrics &&
      counter(metrics, {
        name: 'meridian_intake_refused_total',
        help: 'OTLP requests refused before decoding, by signal and reason (body_too_large, too_many_items, too_many_containers, too_many_key_values, too_many_objects, nesting, inflight_budget)',
        labelNames: ['signal', 'reason'],
      });
    this.truncated = metrics && truncatedCounter(metrics);
  }

  /** Counts items and containers on the wire (and cuts too-deep values in place); throws RequestLimitError over a limit. */
  checkBody(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): WireCounts {
    return checkRequestLimits(signal, encoding, body, this.options.requestLimits);
  }

  /** Once a request is accepted: counts the values its check cut (meridian_intake_truncated_total{what="value_depth"}). */
  accepted(signal: OtlpSignal, counts: WireCounts): void {
    if (counts.cutValues > 0) this.truncated?.inc({ signal, what: 'value_depth' }, counts.cutValues);
  }

  /** The same on the first bytes of a body still being read (a lower bound of its counts); throws RequestLimitError. */
  checkPrefix(signal: OtlpSignal, encoding: OtlpEncoding, prefix: Uint8Array): void {
    checkRequestPrefix(signal, encoding, prefix, this.options.requestLimits);
  }

  refused(signal: OtlpSignal, reason: RefusalReason): void {
    this.refusals?.inc({ signal, reason });
  }
}

/** The guard of a server built without one (tests): default limits, a 256 MiB budget, half of it per tenant. */
export function defaultRequestGuard(): RequestGuard {
  return new RequestGuard({ requestLimits: DEFAULT_REQUEST_LIMITS, inflightBytes: 256 * 1024 * 1024, tenantInflightShare: 0.5 });
}
