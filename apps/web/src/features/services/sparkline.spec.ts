import { densePoints, sparklinePath } from './sparkline';

const MIN = 60_000;
const T = 1_700_000_040_000; // a minute start

describe('sparklines', () => {
  it('fills whole buckets without transactions with zeros, and leaves out the buckets the window cuts', () => {
    const pts = densePoints([{ t: T + MIN, count: 5, errors: 1, p95Ms: 120 }], T, T + 3 * MIN, MIN);
    expect(pts).toEqual([
      { t: T, count: 0, errors: 0, p95Ms: 0 },
      { t: T + MIN, count: 5, errors: 1, p95Ms: 120 },
      { t: T + 2 * MIN, count: 0, errors: 0, p95Ms: 0 },
    ]);
    // The window ends 20 s into a minute: that minute's 3 transactions so far are not a drop to 3.
    const live = [
      { t: T, count: 60, errors: 0, p95Ms: 90 },
      { t: T + MIN, count: 60, errors: 0, p95Ms: 90 },
      { t: T + 2 * MIN, count: 3, errors: 0, p95Ms: 80 },
    ];
    expect(densePoints(live, T + 10_000, T + 2 * MIN + 20_000, MIN).map((p) => p.t)).toEqual([T + MIN]);
  });

  it('draws 0 at the bottom and the maximum at the top, left to right', () => {
    expect(sparklinePath([0, 5, 10], 100, 20)).toBe('M0,20L50,10L100,0');
    expect(sparklinePath([0, 0], 100, 20)).toBe('M0,20L100,20');
    expect(sparklinePath([3], 100, 20)).toBe('M50,0');
    expect(sparklinePath([], 100, 20)).toBe('');
  });
});
