export {
  BUS,
  BusUnavailableError,
  type BatchHandler,
  type Bus,
  type BusConsumer,
  type ConsumeOptions,
  type DeadLetterEntry,
  type DeadLetterListOptions,
  type DeadLetterStore,
  type DeliveryContext,
  type RegionBusStats,
} from './bus';
export { InlineBus, type InlineBusOptions } from './inline-bus';
export { DEFAULT_DEAD_LETTER_LIMITS, deadLetterMetrics, FileDeadLetterStore, tenantDirName, type DeadLetterLimits } from './dead-letter-files';
export { type WalSettings } from './wal/region-wal';
