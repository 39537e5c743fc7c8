export { BUS, BusUnavailableError, type BatchHandler, type Bus, type BusConsumer, type ConsumeOptions, type DeadLetterEntry, type DeadLetterStore, type DeliveryContext, type RegionBusStats } from './bus';
export { InlineBus, type InlineBusOptions } from './inline-bus';
