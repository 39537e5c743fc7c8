import type { RowTable } from '@meridian/domain';
import type { KafkaCompression } from './compression';

/** One region's Kafka: its brokers, topic per signal table, dead-letter topic and consumer group. */
export interface KafkaRegionSettings {
  id: string;
  brokers: string[];
  topics: Record<RowTable, string> & { deadLetter: string };
  /** Consumer group of the region's ingesters (they split the partitions). */
  consumerGroup: string;
}

export interface KafkaProducerSettings {
  /** Idempotent producer (exactly-once per partition across producer retries). Needs acks = all. */
  idempotent: boolean;
  /** Of the record batches sent (compression.ts says what each costs). */
  compression: KafkaCompression;
  /** Unacknowledged produce requests per broker connection. */
  maxInFlightRequests: number;
  /** kafkajs retries of one send before publish fails (then intake answers 503). */
  retries: number;
  requestTimeoutMs: number;
  /** A publish not acknowledged by then answers 503 (keep below the SDKs' 10 s export timeout). */
  publishTimeoutMs: number;
  /** Bytes being sent at once per process; above it publish answers 503 at once (backpressure). */
  maxPendingBytes: number;
  /** Retry-After sent with the 503 when Kafka is unavailable. */
  retryAfterSeconds: number;
  /** Partitions of each row topic one tenant's messages go to (tenant-partitions.ts); 0: all of them. */
  tenantPartitions: number;
}

export interface KafkaConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** Partitions whose fetched batches are handed over concurrently. */
  partitionsConsumedConcurrently: number;
  maxBytesPerPartition: number;
  /** Wait before a rejected batch is delivered again, doubling up to 16 times this. */
  redeliveryDelayMs: number;
  /** Wait before a crashed consumer is rebuilt. */
  restartDelayMs: number;
  /**
   * A message whose id stands at one of this many offsets before it in its partition is a copy
   * the producer sent again, and is not stored (0: off). Per partition the ingester keeps this
   * many ids, and reads them back when it takes a partition over.
   */
  dedupWindowMessages: number;
}

export interface KafkaBusSettings {
  clientId: string;
  connectionTimeoutMs: number;
  producer: KafkaProducerSettings;
  consumer: KafkaConsumerSettings;
}

export const DEFAULT_KAFKA_BUS_SETTINGS: KafkaBusSettings = {
  clientId: 'meridian',
  connectionTimeoutMs: 3_000,
  producer: {
    idempotent: true,
    compression: 'lz4',
    maxInFlightRequests: 5,
    retries: 5,
    requestTimeoutMs: 5_000,
    publishTimeoutMs: 8_000,
    maxPendingBytes: 256 * 1024 * 1024,
    retryAfterSeconds: 5,
    tenantPartitions: 2,
  },
  consumer: {
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    rebalanceTimeoutMs: 60_000,
    partitionsConsumedConcurrently: 4,
    maxBytesPerPartition: 8 * 1024 * 1024,
    redeliveryDelayMs: 500,
    restartDelayMs: 1_000,
    dedupWindowMessages: 10_000,
  },
};

/** Topic names of a region from its prefix, with explicit names taking precedence. */
export function regionTopics(prefix: string, explicit: Partial<KafkaRegionSettings['topics']> = {}): KafkaRegionSettings['topics'] {
  return {
    spans: explicit.spans ?? `${prefix}spans`,
    metric_points: explicit.metric_points ?? `${prefix}metric-points`,
    logs: explicit.logs ?? `${prefix}logs`,
    deadLetter: explicit.deadLetter ?? `${prefix}dead-letter`,
  };
}
