/** @meridian/signal-rows — decoded OTLP (@meridian/otlp) → ClickHouse rows (@meridian/domain row types). */
export type { RowContext } from './row-context';
export { buildSpanRows, SpanColumns } from './span-rows';
export { buildMetricRows } from './metric-rows';
export { buildLogRows } from './log-rows';
