import { apdexRating, groupByService, sumSeries, type EndpointRed } from './service-groups';

function red(service: string, endpoint: string, count: number, errors: number, apdex: number, throughputPerMin: number): EndpointRed {
  return { service, endpoint, count, errors, errorRate: count ? errors / count : 0, avgMs: 0, maxMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, apdex, throughputPerMin };
}

describe('services table', () => {
  it('groups endpoints by service with exact totals and the Apdex of all their transactions', () => {
    const groups = groupByService([red('checkout', 'GET /a', 300, 30, 0.9, 5), red('billing', 'POST /pay', 350, 0, 1, 5.8), red('checkout', 'GET /b', 100, 10, 0.5, 1.7)]);
    expect(groups.map((g) => [g.service, g.count, g.errors, g.endpoints.map((e) => e.endpoint)])).toEqual([
      ['checkout', 400, 40, ['GET /a', 'GET /b']],
      ['billing', 350, 0, ['POST /pay']],
    ]);
    const checkout = groups[0];
    expect(checkout.errorRate).toBeCloseTo(0.1, 10);
    expect(checkout.throughputPerMin).toBeCloseTo(6.7, 10);
    // (0.9·300 + 0.5·100) / 400: satisfied + tolerating/2 of both endpoints over all their transactions.
    expect(checkout.apdex).toBeCloseTo(0.8, 10);
    expect(groupByService([red('idle', 'x', 0, 0, 1, 0)])[0]).toMatchObject({ errorRate: 0, apdex: 1 });
  });

  it('adds endpoint series bucket by bucket', () => {
    const a = [{ t: 0, count: 1, errors: 0, p95Ms: 10 }, { t: 60, count: 2, errors: 1, p95Ms: 30 }];
    const b = [{ t: 0, count: 3, errors: 1, p95Ms: 50 }, { t: 60, count: 0, errors: 0, p95Ms: 0 }];
    expect(sumSeries([a, b])).toEqual([{ t: 0, count: 4, errors: 1, p95Ms: 50 }, { t: 60, count: 2, errors: 1, p95Ms: 30 }]);
    expect(sumSeries([])).toEqual([]);
  });

  it('rates Apdex in the usual bands', () => {
    expect([1, 0.94, 0.9, 0.7, 0.5, 0.49].map(apdexRating)).toEqual(['excellent', 'excellent', 'good', 'fair', 'poor', 'unacceptable']);
  });
});
