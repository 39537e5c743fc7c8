import { counter, createSelfMetrics, gauge, histogram, type SelfMetrics } from '@meridian/self-metrics';

/** The Kafka bus's metrics (Prometheus names `meridian_bus_*`), on the process's registry. */
export function kafkaBusMetrics(registry: SelfMetrics = createSelfMetrics()) {
  return {
    published: counter(registry, {
      name: 'meridian_bus_published_messages_total',
      help: 'Messages acknowledged by Kafka (acks=all)',
      labelNames: ['region', 'topic'],
    }),
    publishedBytes: counter(registry, {
      name: 'meridian_bus_published_bytes_total',
      help: 'Message body bytes acknowledged by Kafka',
      labelNames: ['region', 'topic'],
    }),
    publishFailures: counter(registry, {
      name: 'meridian_bus_publish_failures_total',
      help: 'Publishes answered with 503 (Kafka unavailable, timed out or over the in-flight limit)',
      labelNames: ['region', 'reason'],
    }),
    publishResends: counter(registry, {
      name: 'meridian_bus_publish_resends_total',
      help: 'Messages sent again because kafkajs resolved a send without any broker acknowledging their partition (leadership moved mid-send)',
      labelNames: ['region'],
    }),
    publishSeconds: histogram(registry, {
      name: 'meridian_bus_publish_seconds',
      help: 'Time until Kafka acknowledged a publish',
      labelNames: ['region'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    consumed: counter(registry, {
      name: 'meridian_bus_consumed_messages_total',
      help: 'Messages fetched by the ingester consumer',
      labelNames: ['region', 'topic'],
    }),
    copiesDropped: counter(registry, {
      name: 'meridian_bus_copies_dropped_total',
      help: 'Messages not stored because the same message id stood shortly before them in the partition (sent again by the producer)',
      labelNames: ['region', 'topic'],
    }),
    committed: counter(registry, {
      name: 'meridian_bus_committed_messages_total',
      help: 'Messages stored and committed (offsets advanced)',
      labelNames: ['region', 'topic'],
    }),
    lag: gauge(registry, {
      name: 'meridian_bus_consumer_lag',
      help: 'Messages in the partition not yet committed by this consumer (high watermark − committed offset)',
      labelNames: ['region', 'topic', 'partition'],
    }),
    batchMessages: histogram(registry, {
      name: 'meridian_bus_batch_messages',
      help: 'Messages per batch handed to the ingester',
      labelNames: ['region', 'topic'],
      buckets: [1, 2, 5, 10, 50, 100, 500, 1_000, 5_000],
    }),
    paused: gauge(registry, {
      name: 'meridian_bus_paused_partitions',
      help: 'Partitions paused because storing is behind (e.g. ClickHouse down)',
      labelNames: ['region'],
    }),
    rebuilds: counter(registry, {
      name: 'meridian_bus_consumer_rebuilds_total',
      help: 'Consumers rebuilt after a crash kafkajs does not restart from',
      labelNames: ['region'],
    }),
    deadLetters: counter(registry, { name: 'meridian_bus_dead_letters_total', help: 'Messages written to the dead-letter topic', labelNames: ['region'] }),
  };
}

export type KafkaBusMetrics = ReturnType<typeof kafkaBusMetrics>;
