import type { RowBatchMessage } from '@meridian/domain';

/** DI token for the process's bus (one per process; regions are topics/queues inside it). */
export const BUS = Symbol('Bus');

/** The bus cannot take more right now: intake answers 503 with Retry-After, SDKs retry. */
export class BusUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'BusUnavailableError';
  }
}

export interface ConsumeOptions {
  /** Deliver a batch once it holds this many bytes of message bodies… */
  maxBytes: number;
  /** …or this many rows… */
  maxRows: number;
  /** …or the oldest message waited this long. */
  maxWaitMs: number;
}

/** What the bus tells a handler about the batch it is delivering. */
export interface DeliveryContext {
  /**
   * Aborted when the bus no longer owns the batch (kafka: its partition was reassigned or the
   * consumer is being rebuilt or stopped). The handler should stop retrying and reject: another
   * consumer delivers the same batch, so giving up loses nothing.
   */
  signal: AbortSignal;
}

/**
 * Called with a batch of messages of one region. Resolving means "stored": only then does the
 * bus drop (inline) or commit (kafka) them. Rejecting makes the bus deliver the same batch again
 * after `redeliveryDelayMs`. A redelivered batch holds the same messages (same ids), so a
 * deduplication token derived from the ids makes the retried insert a no-op if the first one
 * had in fact been stored.
 */
export type BatchHandler = (batch: RowBatchMessage[], ctx: DeliveryContext) => Promise<void>;

export interface BusConsumer {
  stop(): Promise<void>;
}

export interface RegionBusStats {
  region: string;
  queuedMessages: number;
  queuedBytes: number;
  deliveredMessages: number;
}

/** A parked message as the dead-letter store lists it. */
export interface DeadLetterEntry {
  id: string;
  tenantId: string;
  region: string;
  table: RowBatchMessage['table'];
  rowCount: number;
  key?: string;
  reason: string;
  /** When it was parked (ISO 8601). */
  at: string;
  /** The original message body, byte for byte. */
  body: Buffer;
  /** The body's format (absent: JSONCompactEachRow). */
  format?: RowBatchMessage['format'];
  /** Where it is stored (kafka: `topic/partition/offset`; inline: `file:line`). */
  position: string;
  /** Set once `markReplayed` recorded a replay of this id. */
  replayedAt?: string;
}

export interface DeadLetterListOptions {
  /** Only the newest this many. */
  limit?: number;
  /** Only this tenant's (inline: reads only its files; kafka: filters the topic). */
  tenantId?: string;
}

/** Listing and replay bookkeeping of parked messages (the `meridian dead-letters` CLI). */
export interface DeadLetterStore {
  listDeadLetters(region: string, opts?: DeadLetterListOptions): Promise<DeadLetterEntry[]>;
  /** Records that these ids were replayed, so `list` shows it and `replay` skips them. */
  markReplayed(region: string, ids: readonly string[]): Promise<void>;
}

export interface Bus extends DeadLetterStore {
  readonly kind: 'inline' | 'kafka';
  /** Resolves once every message is durable in the bus; all or none are accepted. */
  publish(messages: readonly RowBatchMessage[]): Promise<void>;
  consume(region: string, options: ConsumeOptions, handler: BatchHandler): BusConsumer;
  /** Parks a message that can never be stored, with the reason; it no longer blocks its region. */
  deadLetter(message: RowBatchMessage, reason: string): Promise<void>;
  /** Resolves true when nothing published is left unhandled (false on timeout). */
  drain(timeoutMs: number): Promise<boolean>;
  stats(): RegionBusStats[];
  /** Regions whose bus did not answer within `timeoutMs` (readiness). */
  unreachableRegions(timeoutMs: number): Promise<string[]>;
  /** Topics that do not exist and will not be created on first use (`<topic> (region <id>)`); readiness. */
  missingTopics?(timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}
