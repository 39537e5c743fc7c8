export { KafkaBus, type KafkaBusOptions } from './kafka-bus';
export { KAFKA_COMPRESSIONS, type KafkaCompression } from './compression';
export {
  DEFAULT_KAFKA_BUS_SETTINGS,
  regionTopics,
  type KafkaBusSettings,
  type KafkaConsumerSettings,
  type KafkaProducerSettings,
  type KafkaRegionSettings,
} from './kafka-settings';
export { kafkaBusMetrics, type KafkaBusMetrics } from './kafka-metrics';
export { HEADER as KAFKA_HEADERS } from './message-codec';
export { tenantPartitions } from './tenant-partitions';
