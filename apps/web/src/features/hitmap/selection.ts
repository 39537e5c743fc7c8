import { HITMAP_COLUMN_SECONDS, HITMAP_ROWS, hitmapRow, hitmapRowBounds } from '@meridian/domain';

export const COLUMN_MS = HITMAP_COLUMN_SECONDS * 1000;

/**
 * A drag-selected rectangle of the hitmap as the API reads it: transactions ending in
 * [from, to) (epoch ms) with a duration in [minMs, maxMs); no `maxMs` means no upper bound
 * (the top row holds everything from 78 s up).
 */
export interface HitmapSelection {
  from: number;
  to: number;
  minMs: number;
  maxMs?: number;
}

/**
 * The cells a brush touches, as a query. `x` is the brushed range in epoch ms, `y` in rows
 * (0 = bottom edge of row 0, 120 = top of the last row); either may be given in any order.
 * Whole cells only: a column counts from its start to start + 5 s, a row by its bounds in the
 * shared layout, so the list shows exactly the dots the user dragged over.
 */
export function selectionFromRange(x: readonly [number, number], y: readonly [number, number]): HitmapSelection {
  const [x0, x1] = x[0] <= x[1] ? x : [x[1], x[0]];
  const [y0, y1] = y[0] <= y[1] ? y : [y[1], y[0]];
  const firstCol = Math.floor(x0 / COLUMN_MS);
  const lastCol = Math.max(firstCol, Math.ceil(x1 / COLUMN_MS) - 1);
  const clampRow = (r: number) => Math.min(HITMAP_ROWS - 1, Math.max(0, r));
  const firstRow = clampRow(Math.floor(y0));
  const lastRow = clampRow(Math.max(firstRow, Math.ceil(y1) - 1));
  const selection: HitmapSelection = { from: firstCol * COLUMN_MS, to: (lastCol + 1) * COLUMN_MS, minMs: hitmapRowBounds(firstRow).fromMs };
  if (lastRow < HITMAP_ROWS - 1) selection.maxMs = hitmapRowBounds(lastRow).toMs;
  return selection;
}

/** The rectangle to draw for a selection: x in epoch ms, y in rows (covers every row it reaches into). */
export function selectionRect(sel: HitmapSelection): { x: [number, number]; y: [number, number] } {
  let top = HITMAP_ROWS;
  if (sel.maxMs !== undefined) {
    const row = hitmapRow(sel.maxMs);
    top = hitmapRowBounds(row).fromMs < sel.maxMs ? row + 1 : row;
  }
  return { x: [sel.from, sel.to], y: [hitmapRow(sel.minMs), top] };
}

/** The API query of a selection (hitmapSelection and transactions routes). */
export function selectionQuery(sel: HitmapSelection): { from: string; to: string; minMs: number; maxMs?: number } {
  return { from: String(sel.from), to: String(sel.to), minMs: sel.minMs, ...(sel.maxMs !== undefined && { maxMs: sel.maxMs }) };
}

/** `from,to,minMs[,maxMs]` for the URL, so a link reopens the same selection. */
export function selectionParam(sel: HitmapSelection): string {
  return [sel.from, sel.to, sel.minMs, ...(sel.maxMs !== undefined ? [sel.maxMs] : [])].join(',');
}

/** The selection in a URL, or undefined when the text is not one (hand-edited, truncated). */
export function parseSelectionParam(text: string | null | undefined): HitmapSelection | undefined {
  if (!text) return undefined;
  const parts = text.split(',');
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => p.trim() === '')) return undefined;
  const [from, to, minMs, maxMs] = parts.map(Number);
  if (![from, to, minMs].every(Number.isFinite) || from >= to || minMs < 0) return undefined;
  if (parts.length === 4 && !(Number.isFinite(maxMs) && maxMs > minMs)) return undefined;
  return parts.length === 4 ? { from, to, minMs, maxMs } : { from, to, minMs };
}
