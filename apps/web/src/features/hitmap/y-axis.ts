import { HITMAP_ROWS, hitmapRowBounds } from '@meridian/domain';

/** A labelled line of the y axis: the lower edge of `row` is `ms`. */
export interface AxisMark {
  row: number;
  ms: number;
}

/**
 * Where the y axis gets a label: every row where the cell width changes (5 s, 10 s, 20 s, 40 s
 * and the ≥ 78 s overflow row, read from the shared layout), the bottom, and whole seconds in
 * the finest band where most transactions are. The layout itself stays in @meridian/domain.
 */
export function yAxisMarks(): AxisMark[] {
  const marks: AxisMark[] = [{ row: 0, ms: 0 }];
  let prevWidth = hitmapRowBounds(0).toMs - hitmapRowBounds(0).fromMs;
  for (let row = 1; row < HITMAP_ROWS; row++) {
    const { fromMs, toMs } = hitmapRowBounds(row);
    const width = toMs - fromMs;
    if (width !== prevWidth || (fromMs % 1000 === 0 && fromMs < 5000)) marks.push({ row, ms: fromMs });
    prevWidth = width;
  }
  return marks;
}

/** Axis text of a duration: `0`, `500 ms`, `1 s`, `78 s`. */
export function formatAxisMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms} ms`;
  return `${ms / 1000} s`;
}
