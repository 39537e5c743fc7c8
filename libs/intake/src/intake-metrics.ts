import { counter, type SelfMetrics } from '@meridian/self-metrics';

/**
 * `meridian_intake_truncated_total`: what intake cut from items it kept. Two places count into
 * it (per-item limits after decoding, value depth in the request guard), so it is declared once.
 */
export function truncatedCounter(metrics: SelfMetrics) {
  return counter(metrics, {
    name: 'meridian_intake_truncated_total',
    help: 'What the per-item limits (intake.itemLimits) cut from accepted items, which are kept: dropped attributes, shortened attribute values (attribute_value), dropped span events and links; values nested deeper than intake.requestLimits.maxValueDepth (value_depth)',
    labelNames: ['signal', 'what'],
  });
}
