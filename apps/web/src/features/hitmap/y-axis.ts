import { HITMAP_ROWS, hitmapRow, hitmapRowBounds } from '@meridian/domain';

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
export function yAxisMarks(topRow: number = HITMAP_ROWS - 1): AxisMark[] {
  const all = layoutMarks().filter((m) => m.row <= topRow);
  if (all.length >= 6) return all;
  // Zoomed into the finest band: label about every tenth row instead, so the axis stays readable.
  const step = Math.max(1, Math.ceil(topRow / 10));
  const marks: AxisMark[] = [];
  for (let row = 0; row <= topRow; row += step) marks.push({ row, ms: hitmapRowBounds(row).fromMs });
  return marks;
}

function layoutMarks(): AxisMark[] {
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

/** Y-axis zoom presets: the top of the axis in ms (all: the whole layout). */
export const Y_ZOOMS = ['1s', '5s', '20s', 'all'] as const;
export type YZoom = (typeof Y_ZOOMS)[number];
const ZOOM_MS: Record<YZoom, number | undefined> = { '1s': 1_000, '5s': 5_000, '20s': 20_000, all: undefined };

/** The row the y axis ends at for a zoom (rows below it are shown). */
export function yZoomTop(zoom: YZoom): number {
  const ms = ZOOM_MS[zoom];
  return ms === undefined ? HITMAP_ROWS : hitmapRow(ms);
}

export function isYZoom(text: string | null | undefined): text is YZoom {
  return (Y_ZOOMS as readonly string[]).includes(text ?? '');
}
