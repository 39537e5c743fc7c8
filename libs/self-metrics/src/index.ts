export { createSelfMetrics, counter, exposition, gauge, histogram, SELF_METRICS, tenantCounter, type SelfMetrics, type TenantCounter } from './self-metrics';
