import { metricsMessages } from './messages';
import { lineSummary, readsSummaryQuantile, readView, seriesQuery, viewHref, type MetricsView } from './view';

const T = Date.UTC(2026, 4, 1, 9, 0, 0);
const roundTrip = (v: MetricsView) => readView(new URL(viewHref('acme', v), 'http://x').searchParams);

describe('metrics explorer view in the URL', () => {
  it('opens on the last hour with nothing picked', () => {
    expect(readView(new URLSearchParams())).toEqual({
      filters: [],
      last: '1h',
      metric: undefined,
      agg: undefined,
      by: undefined,
      range: undefined,
      step: undefined,
    });
    expect(viewHref('acme', readView(new URLSearchParams()))).toBe('/metrics-explorer?tenant=acme');
  });

  it('round-trips metric, aggregation, group-by, filters (with = and != in values), window and step', () => {
    const views: MetricsView[] = [
      { metric: 'http.server.duration', agg: 'p95', by: 'http.route', filters: [{ key: 'env', op: '=', value: 'prod' }], last: '6h', step: 300 },
      {
        metric: 'a&b',
        filters: [
          { key: 'q', op: '!=', value: 'x=y&z' },
          { key: 'state', op: '=', value: '' },
        ],
        last: '1h',
        range: { from: T, to: T + 900_000 },
      },
    ];
    for (const v of views) expect(roundTrip(v)).toEqual({ agg: undefined, by: undefined, range: undefined, step: undefined, ...v });
    expect(viewHref('acme', views[0])).toBe(
      '/metrics-explorer?tenant=acme&metric=http.server.duration&agg=p95&by=http.route&filter=env%3Dprod&last=6h&step=300',
    );
  });

  it('ignores what it cannot use: unknown aggregations, windows and steps, bad filters, a reversed range', () => {
    const v = readView(new URLSearchParams('metric=m&agg=median&last=2h&step=7&filter=novalue&filter=%3Dx&from=2026-05-01T10:00:00Z&to=2026-05-01T09:00:00Z'));
    expect(v).toEqual({ metric: 'm', agg: undefined, by: undefined, filters: [], last: '1h', range: undefined, step: undefined });
  });

  it('asks the series route for the view, filters one per line', () => {
    const q = seriesQuery({
      metric: 'm',
      by: 'k',
      filters: [
        { key: 'a', op: '=', value: '1' },
        { key: 'b', op: '!=', value: '2' },
      ],
      last: '15m',
    });
    expect(q).toEqual({ last: '15m', name: 'm', agg: undefined, groupBy: 'k', filter: 'a=1\nb!=2', step: undefined });
  });

  it('summarises a line, skipping empty steps', () => {
    expect(lineSummary([null, 2, 4, null, 3, null])).toEqual({ last: 3, min: 2, avg: 3, max: 4 });
    expect(lineSummary([null])).toEqual({ last: null, min: null, avg: null, max: null });
  });

  it('names a summary’s quantiles for what they are: the highest series’ value', () => {
    expect(readsSummaryQuantile('SUMMARY', 'p95')).toBe(true);
    expect(readsSummaryQuantile('SUMMARY', 'avg')).toBe(false);
    expect(readsSummaryQuantile('EXP_HISTOGRAM', 'p95')).toBe(false);
    expect(readsSummaryQuantile(undefined, 'p50')).toBe(false);
    expect(metricsMessages.en.aggOf('p99', 'SUMMARY')).toBe('p99, highest series');
    expect(metricsMessages.en.aggOf('p99', 'EXP_HISTOGRAM')).toBe('p99');
    expect(metricsMessages.ja.aggOf('p50', 'SUMMARY')).toBe('p50（最大の系列）');
  });
});
