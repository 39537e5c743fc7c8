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
