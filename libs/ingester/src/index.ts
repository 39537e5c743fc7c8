export { IngesterModule, IngesterRunner, ROW_SINK, type IngesterModuleOptions } from './ingester.module';
export { IngesterService, dedupToken, type IngesterOptions, type IngesterStats, type RowSink } from './ingester.service';
export type { InsertFailureClass } from './bad-row-isolation';
