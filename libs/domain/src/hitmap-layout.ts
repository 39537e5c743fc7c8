/**
 * The hitmap's y axis, WhaTap layout: 120 cells of response time. 125 ms wide up to 5 s,
 * 250 ms up to 10 s, 500 ms up to 20 s, 1 s up to 40 s, 2 s up to 78 s, and the last cell
 * holds everything from 78 s up (the top 2 s band gives its last cell to the overflow cell so
 * the view stays at exactly 120 rows).
 */
export const HITMAP_ROWS = 120;
export const HITMAP_COLUMN_SECONDS = 5;

/** [start of band in ms, cell width in ms, number of cells] */
const BANDS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 125, 40],
  [5_000, 250, 20],
  [10_000, 500, 20],
  [20_000, 1_000, 20],
  [40_000, 2_000, 19],
];
export const HITMAP_OVERFLOW_MS = 78_000;

/** Row index (0 = fastest) for a duration in milliseconds. */
export function hitmapRow(durationMs: number): number {
  let row = 0;
  for (const [start, width, cells] of BANDS) {
    const end = start + width * cells;
    if (durationMs < end) return row + Math.floor(Math.max(0, durationMs - start) / width);
    row += cells;
  }
  return HITMAP_ROWS - 1;
}

/** Lower and upper bound (ms) of a row; the last row's upper bound is Infinity. */
export function hitmapRowBounds(row: number): { fromMs: number; toMs: number } {
  if (!Number.isInteger(row) || row < 0 || row >= HITMAP_ROWS) throw new RangeError(`hitmap row out of range: ${row}`);
  let first = 0;
  for (const [start, width, cells] of BANDS) {
    if (row < first + cells) {
      const fromMs = start + (row - first) * width;
      return { fromMs, toMs: fromMs + width };
    }
    first += cells;
  }
  return { fromMs: HITMAP_OVERFLOW_MS, toMs: Infinity };
}

/** The row thresholds as ascending upper bounds in ms (length 119), for SQL generation. */
export function hitmapRowUpperBoundsMs(): number[] {
  const out: number[] = [];
  for (let r = 0; r < HITMAP_ROWS - 1; r++) out.push(hitmapRowBounds(r).toMs);
  return out;
}
