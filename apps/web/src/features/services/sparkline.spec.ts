import { densePoints, sparklinePath } from './sparkline';

const MIN = 60_000;
const T = 1_700_000_040_000; // a minute start

describe('sparklines', () => {
  it('fills buckets without transactions with zeros, from the bucket of `from` to before `to`', () => {
    const pts = densePoints([{ t: T + MIN, count: 5, errors: 1, p95Ms: 120 }], T + 1_000, T + 3 * MIN, MIN);
    expect(pts).toEqual([
      { t: T, count: 0, errors: 0, p95Ms: 0 },
      { t: T + MIN, count: 5, errors: 1, p95Ms: 120 },
      { t: T + 2 * MIN, count: 0, errors: 0, p95Ms: 0 },
    ]);
  });

  it('draws 0 at the bottom and the maximum at the top, left to right', () => {
    expect(sparklinePath([0, 5, 10], 100, 20)).toBe('M0,20L50,10L100,0');
    expect(sparklinePath([0, 0], 100, 20)).toBe('M0,20L100,20');
    expect(sparklinePath([3], 100, 20)).toBe('M50,0');
    expect(sparklinePath([], 100, 20)).toBe('');
  });
});
