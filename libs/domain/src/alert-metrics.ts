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
  'host_down',
  'pod_restarts',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** `host_down`: the metric every host sends each interval when the rule names none (hostmetrics' cpu scraper, and the built-in host source). */
export const HOST_HEARTBEAT_METRIC = 'system.cpu.time';
/** `pod_restarts`: the k8s_cluster receiver's restart count per container (a gauge that only grows, until the kubelet prunes dead containers). */
export const POD_RESTARTS_METRIC = 'k8s.container.restarts';
