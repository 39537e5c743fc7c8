export interface SeriesPoint {
  t: number;
  count: number;
  errors: number;
  p95Ms: number;
}

/**
 * One point per whole bucket inside [from, to), zeros where the API sent none (a minute without
 * transactions is a real zero, not a gap to draw across). Buckets cut by the window's edges
 * (the minute still running) are left out: their few transactions would draw a fake cliff.
 */
export function densePoints(points: readonly SeriesPoint[], from: number, to: number, stepMs: number): SeriesPoint[] {
  const byT = new Map(points.map((p) => [p.t, p]));
  const out: SeriesPoint[] = [];
  for (let t = Math.ceil(from / stepMs) * stepMs; t + stepMs <= to; t += stepMs) out.push(byT.get(t) ?? { t, count: 0, errors: 0, p95Ms: 0 });
  return out;
}

/** An SVG path drawing `values` left to right in a width × height box, 0 at the bottom, the maximum at the top. */
export function sparklinePath(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * width);
  const y = (v: number) => (max > 0 ? height - (v / max) * height : height);
  const r = (n: number) => Math.round(n * 100) / 100;
  return values.map((v, i) => `${i ? 'L' : 'M'}${r(x(i))},${r(y(v))}`).join('');
}
