export { createSelfMetrics, counter, gauge, histogram, SELF_METRICS, type SelfMetrics } from './self-metrics';
