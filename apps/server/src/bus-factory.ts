import { join, resolve } from 'node:path';
import { type Bus, InlineBus } from '@meridian/bus';
import { DEFAULT_KAFKA_BUS_SETTINGS, KafkaBus, type KafkaBusSettings, type KafkaRegionSettings, regionTopics } from '@meridian/bus-kafka';
import type { MeridianConfig } from '@meridian/config';
import type { SelfMetrics } from '@meridian/self-metrics';

/** The region registry's Kafka settings with topic and group names filled in. */
export function kafkaRegions(cfg: MeridianConfig): KafkaRegionSettings[] {
  return cfg.regions.map((r) => {
    const k = r.bus.kafka;
    if (!k) throw new Error(`bus kind is kafka but region "${r.id}" has no bus.kafka settings (set MERIDIAN_KAFKA_BROKERS or regions[].bus.kafka)`);
    return { id: r.id, brokers: k.brokers, topics: regionTopics(k.topicPrefix, k.topics), consumerGroup: k.consumerGroup ?? `${k.topicPrefix}ingester` };
  });
}

export function kafkaBusSettings(cfg: MeridianConfig): KafkaBusSettings {
  const k = cfg.bus.kafka;
  return {
    clientId: k.clientId,
    connectionTimeoutMs: k.connectionTimeoutMs,
    producer: {
      idempotent: k.idempotent,
      compression: k.compression,
      maxInFlightRequests: k.maxInFlightRequests,
      retries: k.producerRetries,
      requestTimeoutMs: k.requestTimeoutMs,
      publishTimeoutMs: k.publishTimeoutMs,
      maxPendingBytes: k.maxPendingBytes,
      retryAfterSeconds: k.retryAfterSeconds,
      tenantPartitions: k.tenantPartitions,
    },
    consumer: {
      ...DEFAULT_KAFKA_BUS_SETTINGS.consumer,
      sessionTimeoutMs: k.sessionTimeoutMs,
      heartbeatIntervalMs: k.heartbeatIntervalMs,
      rebalanceTimeoutMs: k.rebalanceTimeoutMs,
      partitionsConsumedConcurrently: k.partitionsConsumedConcurrently,
      maxBytesPerPartition: k.maxBytesPerPartition,
    },
  };
}

/** The configured bus: in-process (inline) or Kafka per region. */
export function createBus(cfg: MeridianConfig, opts: { metrics?: SelfMetrics; log: (level: 'info' | 'warn' | 'error', line: string) => void }): Bus {
  if (cfg.bus.kind === 'kafka') {
    return new KafkaBus({
      regions: kafkaRegions(cfg),
      settings: kafkaBusSettings(cfg),
      metrics: opts.metrics,
      log: opts.log,
      deadLetterTenantBytesPerHour: cfg.bus.deadLetters.kafkaTenantBytesPerHour,
    });
  }
  const dataDir = resolve(cfg.dataDir);
  const { enabled, ...wal } = cfg.bus.wal;
  return new InlineBus({
    maxBytesPerRegion: cfg.bus.inlineMaxBytes,
    deadLetterDir: join(dataDir, 'dead-letter'),
    deadLetterLimits: { maxBytesPerTenant: cfg.bus.deadLetters.maxBytesPerTenant, maxBytesTotal: cfg.bus.deadLetters.maxBytesTotal },
    // Opened by the first publish or consume (the dead-letter CLI never touches it).
    wal: enabled ? { dir: join(dataDir, 'wal'), ...wal } : undefined,
    metrics: opts.metrics,
    log: opts.log,
  });
}
