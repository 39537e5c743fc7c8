import { emptyMetricValues, type MetricPointRow, type MetricTypeName, nanosToDateTime64, type TemporalityName } from '@meridian/domain';
import type { DecodedMetrics, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint } from '@meridian/otlp';
import { type RowContext, storableContext } from './row-context';
import { flattenAttributes, resourceColumns, uint, UINT32_MAX } from './values';

const TEMPORALITY_NAMES: readonly TemporalityName[] = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'];
const TYPE_NAMES: Record<Metric['type'], MetricTypeName> = {
  gauge: 'GAUGE',
  sum: 'SUM',
  histogram: 'HISTOGRAM',
  exponentialHistogram: 'EXP_HISTOGRAM',
  summary: 'SUMMARY',
};

type Point = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;
/** The columns every row of one metric shares. */
type MetricColumns = Pick<
  MetricPointRow,
  | 'tenant_id'
  | 'metric_name'
  | 'metric_type'
  | 'unit'
  | 'description'
  | 'temporality'
  | 'is_monotonic'
  | 'service'
  | 'host_name'
  | 'resource_attributes'
  | 'scope_name'
  | 'retention_days'
>;

const bigintsToStrings = (xs: readonly bigint[]): string[] => xs.map((x) => x.toString());

/**
 * One row per data point, with the columns of its type filled and the others at their
 * neutral value (0, '0', [], null for min/max). Int values become Float64 `value`s (exact up
 * to 2^53); counters that can exceed that are decimal strings. Exemplars are not stored.
 * Floats are finite: decodeMetrics rejects points with NaN or ±Infinity.
 */
export function buildMetricRows(decoded: DecodedMetrics, context: RowContext): MetricPointRow[] {
  const ctx = storableContext(context);
  const rows: MetricPointRow[] = [];
  for (const rm of decoded.resourceMetrics) {
    const { service, hostName, resourceAttributes } = resourceColumns(rm.resource.attributes);
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const columns: MetricColumns = {
          tenant_id: ctx.tenantId,
          metric_name: metric.name,
          metric_type: TYPE_NAMES[metric.type],
          unit: metric.unit,
          description: metric.description,
          temporality: 'aggregationTemporality' in metric ? (TEMPORALITY_NAMES[metric.aggregationTemporality] ?? 'UNSPECIFIED') : 'UNSPECIFIED',
          is_monotonic: metric.type === 'sum' && metric.isMonotonic ? 1 : 0,
          service,
          host_name: hostName,
          resource_attributes: resourceAttributes,
          scope_name: sm.scope.name,
          retention_days: ctx.retentionDays,
        };
        const points: readonly Point[] = metric.dataPoints;
        for (const point of points) rows.push(pointRow(metric.type, point, columns));
      }
    }
  }
  return rows;
}

function pointRow(type: Metric['type'], p: Point, c: MetricColumns): MetricPointRow {
  const row: MetricPointRow = {
    tenant_id: c.tenant_id,
    ts: nanosToDateTime64(p.timeUnixNano),
    start_ts: nanosToDateTime64(p.startTimeUnixNano),
    metric_name: c.metric_name,
    metric_type: c.metric_type,
    unit: c.unit,
    description: c.description,
    temporality: c.temporality,
    is_monotonic: c.is_monotonic,
    service: c.service,
    host_name: c.host_name,
    resource_attributes: c.resource_attributes,
    attributes: flattenAttributes(p.attributes),
    scope_name: c.scope_name,
    ...emptyMetricValues(),
    flags: uint(p.flags, UINT32_MAX),
    retention_days: c.retention_days,
  };
  switch (type) {
    case 'gauge':
    case 'sum': {
      const v = (p as NumberDataPoint).value;
      row.value = typeof v === 'bigint' ? Number(v) : v;
      break;
    }
    case 'histogram': {
      const h = p as HistogramDataPoint;
      Object.assign(row, histogramStats(h));
      row.bucket_counts = bigintsToStrings(h.bucketCounts);
      row.explicit_bounds = h.explicitBounds;
      break;
    }
    case 'exponentialHistogram': {
      const e = p as ExponentialHistogramDataPoint;
      Object.assign(row, histogramStats(e));
      row.exp_scale = e.scale;
      row.exp_zero_count = e.zeroCount.toString();
      row.exp_positive_offset = e.positive.offset;
      row.exp_positive_counts = bigintsToStrings(e.positive.bucketCounts);
      row.exp_negative_offset = e.negative.offset;
      row.exp_negative_counts = bigintsToStrings(e.negative.bucketCounts);
      break;
    }
    case 'summary': {
      const s = p as SummaryDataPoint;
      row.count = s.count.toString();
      row.sum = s.sum;
      row.quantiles = s.quantileValues.map((q) => q.quantile);
      row.quantile_values = s.quantileValues.map((q) => q.value);
      break;
    }
  }
  return row;
}

/** Both histogram kinds store count, sum, min and max the same way. */
function histogramStats(h: HistogramDataPoint | ExponentialHistogramDataPoint): Pick<MetricPointRow, 'count' | 'sum' | 'min' | 'max'> {
  return { count: h.count.toString(), sum: h.sum ?? 0, min: h.min, max: h.max };
}
