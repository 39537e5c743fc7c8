export { BUS, BusUnavailableError, type BatchHandler, type Bus, type BusConsumer, type ConsumeOptions, type RegionBusStats } from './bus';
export { InlineBus, type InlineBusOptions } from './inline-bus';
