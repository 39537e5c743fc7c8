import { HITMAP_ROWS, hitmapRowUpperBoundsMs } from '@meridian/domain';

/**
 * SQL for the hitmap row (y, 0 = fastest) of a duration in nanoseconds, generated from the
 * domain layout so TypeScript (`hitmapRow`) and SQL cannot disagree. Comparisons are on integer
 * nanoseconds: row r holds durations in [upper(r-1), upper(r)).
 *
 * One branch per threshold (119): the form migration 1 was released with, kept as it was.
 * New SQL uses `hitmapRowBandSql`, the same rows at a fraction of the cost.
 */
export function hitmapRowSql(durationNsExpr: string): string {
  const bounds = hitmapRowUpperBoundsMs();
  if (bounds.length !== HITMAP_ROWS - 1) throw new Error(`hitmap layout has ${bounds.length} thresholds, expected ${HITMAP_ROWS - 1}`);
  const parts: string[] = [];
  bounds.forEach((ms, row) => {
    if (!Number.isInteger(ms * 1e6)) throw new Error(`hitmap threshold ${ms} ms is not a whole number of nanoseconds`);
    parts.push(`${durationNsExpr} < ${ms * 1e6}`, String(row));
  });
  return `toUInt8(multiIf(${parts.join(', ')}, ${HITMAP_ROWS - 1}))`;
}

/**
 * The same row as `hitmapRowSql`, one branch per band of equal-width rows instead of one per
 * threshold: the layout's bands (runs of equal width, read off the thresholds) each give
 * `first row + intDiv(duration - band start, width)` on integer nanoseconds, which floors
 * exactly as the thresholds compare. 6 branches instead of 119 per span.
 */
export function hitmapRowBandSql(durationNsExpr: string): string {
  const bounds = hitmapRowUpperBoundsMs().map((ms) => ms * 1e6);
  if (bounds.length !== HITMAP_ROWS - 1) throw new Error(`hitmap layout has ${bounds.length} thresholds, expected ${HITMAP_ROWS - 1}`);
  if (!bounds.every((ns) => Number.isSafeInteger(ns))) throw new Error('hitmap thresholds must be whole numbers of nanoseconds');
  // Row r spans [lower(r), bounds[r]); lower(0) = 0. A band is a run of rows of one width.
  const lower = (r: number) => (r === 0 ? 0 : bounds[r - 1]);
  const parts: string[] = [];
  let first = 0;
  while (first < bounds.length) {
    const width = bounds[first] - lower(first);
    let last = first;
    while (last + 1 < bounds.length && bounds[last + 1] - bounds[last] === width) last++;
    const start = lower(first);
    const offset = start === 0 ? durationNsExpr : `(${durationNsExpr} - ${start})`;
    parts.push(`${durationNsExpr} < ${bounds[last]}`, `toUInt8(${first} + intDiv(${offset}, ${width}))`);
    first = last + 1;
  }
  return `toUInt8(multiIf(${parts.join(', ')}, ${HITMAP_ROWS - 1}))`;
}
