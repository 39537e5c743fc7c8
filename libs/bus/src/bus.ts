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

/**
 * Called with a batch of messages of one region. Resolving means "stored": only then does the
 * bus drop (inline) or commit (kafka) them. Rejecting makes the bus deliver the same batch again
 * after `redeliveryDelayMs`.
 */
export type BatchHandler = (batch: RowBatchMessage[]) => Promise<void>;

export interface BusConsumer {
  stop(): Promise<void>;
}

export interface RegionBusStats {
  region: string;
  queuedMessages: number;
  queuedBytes: number;
  deliveredMessages: number;
}

export interface Bus {
  readonly kind: 'inline' | 'kafka';
  /** Resolves once every message is durable in the bus; all or none are accepted. */
  publish(messages: readonly RowBatchMessage[]): Promise<void>;
  consume(region: string, options: ConsumeOptions, handler: BatchHandler): BusConsumer;
  /** Parks a message that can never be stored, with the reason; it no longer blocks its region. */
  deadLetter(message: RowBatchMessage, reason: string): Promise<void>;
  /** Resolves true when nothing published is left unhandled (false on timeout). */
  drain(timeoutMs: number): Promise<boolean>;
  stats(): RegionBusStats[];
  close(): Promise<void>;
}
