export * from './rows';
export * from './bus-message';
export * from './time';
export * from './hitmap-layout';
export * from './row-format';
export * from './db-metrics';
export * from './ingest-limits';
export * from './native-rows';
