import { DEFAULT_KAFKA_BUS_SETTINGS, type KafkaBusSettings } from '@meridian/bus-kafka';
import type { SelfMetrics } from '@meridian/self-metrics';

/**
 * Environment of a Meridian process on a test Kafka cluster: short group timings so rebalances
 * take seconds, a 1 s Retry-After, and small, frequent inserts. Suites add what they vary.
 */
export function kafkaTestEnv(bootstrap: string, databaseUrl: string): Record<string, string> {
  return {
    MERIDIAN_BUS: 'kafka',
    MERIDIAN_KAFKA_BROKERS: bootstrap,
    DATABASE_URL: databaseUrl,
    MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: '3000',
    MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS: '300',
    MERIDIAN_KAFKA_REBALANCE_TIMEOUT_MS: '3000',
    MERIDIAN_KAFKA_RETRY_AFTER_SECONDS: '1',
    MERIDIAN_INGEST_FLUSH_MS: '200',
  };
}

/**
 * KafkaBus settings for buses run inside the test process: the same short group timings as
 * `kafkaTestEnv`, quick redelivery and consumer restarts, and a 5 s publish timeout.
 */
export function kafkaTestBusSettings(
  overrides: { producer?: Partial<KafkaBusSettings['producer']>; consumer?: Partial<KafkaBusSettings['consumer']> } = {},
): KafkaBusSettings {
  return {
    ...DEFAULT_KAFKA_BUS_SETTINGS,
    producer: { ...DEFAULT_KAFKA_BUS_SETTINGS.producer, retries: 2, publishTimeoutMs: 5_000, ...overrides.producer },
    consumer: {
      ...DEFAULT_KAFKA_BUS_SETTINGS.consumer,
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 300,
      rebalanceTimeoutMs: 3_000,
      redeliveryDelayMs: 50,
      restartDelayMs: 200,
      ...overrides.consumer,
    },
  };
}

/** The sum of a self-metric's values whose labels include `labels` (0 while it is not registered). */
export async function metricValue(metrics: SelfMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = metrics.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x))
    .reduce((n, v) => n + v.value, 0);
}
