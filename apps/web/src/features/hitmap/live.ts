import { COLUMN_MS } from './selection';

export interface Cell {
  t: number;
  y: number;
  hits: number;
  errors: number;
}

/** What a live hitmap holds between polls. */
export interface LiveCells {
  cells: Cell[];
  /** The `to` of the last fetch (epoch ms). */
  fetchedTo: number;
  /** The `to` of the last fetch of the whole window. */
  fullTo: number;
  spanMs: number;
}

/**
 * Columns re-read on every poll: spans reach ClickHouse seconds after they end (SDK batching,
 * the bus, the ingester's flush), so the newest columns keep filling for a while.
 */
export const LIVE_REFETCH_MS = 60_000;
/**
 * The whole window is re-read this often: data can also arrive minutes late (an SDK retrying
 * after a 503, a Collector draining its queue), and it must show up without a reload.
 */
export const LIVE_FULL_REFRESH_MS = 60_000;

/** The x range a live chart shows at `now`: it slides with the clock, not with the data, so it never jumps. */
export function liveAxisRange(now: number, spanMs: number): { min: number; max: number } {
  return { min: now - spanMs, max: now };
}

/** The first column whose cells are (partly) visible at the left edge of a window starting at `from`. */
export function firstColumn(from: number): number {
  return Math.floor(from / COLUMN_MS) * COLUMN_MS;
}

/**
 * What the next poll asks for: the whole window the first time and once a minute, else only
 * the trailing columns that may still change (a poll then costs the same for any window).
 */
export function liveFetchWindow(prev: LiveCells | undefined, now: number, spanMs: number): { from: number; to: number } {
  const full = firstColumn(now - spanMs);
  if (!prev || prev.spanMs !== spanMs || now - prev.fullTo >= LIVE_FULL_REFRESH_MS) return { from: full, to: now };
  return { from: Math.max(full, firstColumn(prev.fetchedTo - LIVE_REFETCH_MS)), to: now };
}

/**
 * The live cells after a poll: the fresh answer replaces every column from `fetched.from` on,
 * older columns are kept, and columns that slid out of the window are dropped. Sorted by
 * (t, y) like the API's answer.
 */
export function mergeLiveCells(prev: LiveCells | undefined, fresh: readonly Cell[], fetched: { from: number; to: number }, spanMs: number): LiveCells {
  const keepFrom = firstColumn(fetched.to - spanMs);
  const kept = (prev?.spanMs === spanMs ? prev.cells : []).filter((c) => c.t >= keepFrom && c.t < fetched.from);
  const full = fetched.from <= keepFrom;
  return { cells: [...kept, ...fresh.filter((c) => c.t >= keepFrom)], fetchedTo: fetched.to, fullTo: full ? fetched.to : (prev?.fullTo ?? fetched.to), spanMs };
}

/**
 * How often a live chart moves its x range: once per pixel of the plot, so it glides, but not
 * more than 4 times a second (a 10-minute window on a laptop screen: about every 0.6 s).
 */
export function slideStepMs(spanMs: number, plotWidthPx: number): number {
  return Math.min(5_000, Math.max(250, spanMs / Math.max(1, plotWidthPx)));
}
