/** What an alert rule can watch: the API accepts these and the alert queries measure them. */
export const ALERT_METRICS = [
  'latency_p95',
  'latency_p99',
  'error_rate',
  'throughput',
  'apdex',
  'hitmap_vertical',
  'hitmap_horizontal',
  'sql_p95',
  'queries_per_txn',
  'metric',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
