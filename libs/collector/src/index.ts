export { DbCollector, type DbCollectorOptions } from './db-collector';
export { instanceResource, snapshotToResourceMetrics } from './metrics';
export type { DbSnapshot, Reading, TopStatement } from './snapshot';
export { parseTarget, redactUrl, type DbSystemKind, type DbTarget, type DbTargetConfig } from './targets';
export { CollectorModule, DbCollectorService, type CollectorRoleConfig } from './collector.module';
export { HostCollector, type HostCollectorOptions, type HostSourceConfig } from './host/host-collector';
export { HostCollectorService } from './host/host-collector.service';
export { HOST_METRIC_SPECS, type HostMetricName } from './host/host-metrics';
