import { apdexRating, groupByService, sumSeries, type EndpointRed, type ServiceRed } from './service-groups';

function red(service: string, endpoint: string, count: number, p95Ms = 0): EndpointRed {
  return { service, endpoint, count, errors: 0, errorRate: 0, avgMs: 0, maxMs: 0, p50Ms: 0, p95Ms, p99Ms: 0, apdex: 1, throughputPerMin: 0 };
}
const total = ({ endpoint: _, ...rest }: EndpointRed): ServiceRed => rest;

describe('services table', () => {
  it('puts endpoints under their service, whose row has the totals the API merged (percentiles included)', () => {
    const totals = [total(red('billing', '', 350, 80)), total(red('checkout', '', 400, 950))];
    const groups = groupByService(totals, [red('checkout', 'GET /a', 300, 40), red('billing', 'POST /pay', 350, 80), red('checkout', 'GET /b', 100, 990)]);
    expect(groups.map((g) => [g.service, g.count, g.p95Ms, g.endpoints.map((e) => e.endpoint)])).toEqual([
      ['checkout', 400, 950, ['GET /a', 'GET /b']],
      ['billing', 350, 80, ['POST /pay']],
    ]);
    // An endpoint whose service total is missing (a newer answer in between) is not invented.
    expect(groupByService([], [red('x', 'y', 1)])).toEqual([]);
  });

  it('adds endpoint series bucket by bucket', () => {
    const a = [
      { t: 0, count: 1, errors: 0, p95Ms: 10 },
      { t: 60, count: 2, errors: 1, p95Ms: 30 },
    ];
    const b = [
      { t: 0, count: 3, errors: 1, p95Ms: 50 },
      { t: 60, count: 0, errors: 0, p95Ms: 0 },
    ];
    expect(sumSeries([a, b])).toEqual([
      { t: 0, count: 4, errors: 1, p95Ms: 50 },
      { t: 60, count: 2, errors: 1, p95Ms: 30 },
    ]);
    expect(sumSeries([])).toEqual([]);
  });

  it('rates Apdex in the usual bands', () => {
    expect([1, 0.94, 0.9, 0.7, 0.5, 0.49].map(apdexRating)).toEqual(['excellent', 'excellent', 'good', 'fair', 'poor', 'unacceptable']);
  });
});
