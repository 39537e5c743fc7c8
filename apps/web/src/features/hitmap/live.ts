import { COLUMN_MS } from './selection';

export interface Cell {
  t: number;
  y: number;
  hits: number;
  errors: number;
}

/** A hitmap answer as the API sends it: columns, each with its cells' rows and counts (see hitmapResponse). */
export interface ColumnarCells {
  from: number;
  columns: readonly number[];
  cellsPerColumn: readonly number[];
  y: readonly number[];
  hits: readonly number[];
  errors: readonly number[];
}

/** The cells of a columnar answer, in (t, y) order. */
export function decodeCells(a: ColumnarCells): Cell[] {
  const out: Cell[] = [];
  let i = 0;
  a.columns.forEach((t, c) => {
    for (let k = 0; k < a.cellsPerColumn[c]; k++, i++) out.push({ t, y: a.y[i], hits: a.hits[i], errors: a.errors[i] });
  });
  return out;
}

/** What a live hitmap holds between polls. */
export interface LiveCells {
  cells: Cell[];
  /** The `to` of the last fetch (epoch ms). */
  fetchedTo: number;
  /** When the last late-data re-read (LIVE_LATE_MS back) ran. */
  lateTo: number;
  spanMs: number;
}

/**
 * Columns re-sent on every poll: spans reach ClickHouse seconds after they end (SDK batching,
 * the bus, the ingester's flush), so the newest columns keep filling for a while.
 */
export const LIVE_REFETCH_MS = 60_000;
/**
 * Data can also arrive minutes late (an SDK retrying after a 503, a Collector draining its
 * queue): once a minute a poll re-reads this far back, so it shows up without a reload while
 * a poll stays small whatever the window (the whole window is read only when the view opens).
 */
export const LIVE_LATE_MS = 3 * 60_000;
export const LIVE_LATE_EVERY_MS = 60_000;

/** The x range a live chart shows at `now`: it slides with the clock, not with the data, so it never jumps. */
export function liveAxisRange(now: number, spanMs: number): { min: number; max: number } {
  return { min: now - spanMs, max: now };
}

/** The first column whose cells are (partly) visible at the left edge of a window starting at `from`. */
export function firstColumn(from: number): number {
  return Math.floor(from / COLUMN_MS) * COLUMN_MS;
}

/**
 * What the next poll asks for: the window itself (exactly the span: the API refuses longer
 * windows, and includes the column under the left edge on its own) and, after the first poll,
 * `since`: only the newest columns come back, from LIVE_REFETCH_MS before the last answer's `to`,
 * or LIVE_LATE_MS back once a minute (whichever reaches further).
 */
export function liveFetchWindow(prev: LiveCells | undefined, now: number, spanMs: number): { from: number; to: number; since?: number } {
  const w = { from: now - spanMs, to: now };
  if (!prev || prev.spanMs !== spanMs) return w;
  // Never less than the regular reach: after minutes without an answer (a hidden tab does not
  // poll, refused polls leave the cache as it was), the columns since the last answer were never
  // read, and a 3-minute late re-read alone would leave them empty for good.
  const regular = now - prev.fetchedTo + LIVE_REFETCH_MS;
  const back = now - prev.lateTo >= LIVE_LATE_EVERY_MS ? Math.max(LIVE_LATE_MS, regular) : regular;
  const since = now - back;
  return since <= w.from ? w : { ...w, since };
}

/**
 * The live cells after a poll: the answer replaces every column from its `from` on, older
 * columns are kept, and columns that slid out of the window are dropped. Sorted by (t, y)
 * like the API's answer.
 */
export function mergeLiveCells(
  prev: LiveCells | undefined,
  answer: ColumnarCells,
  fetched: { from: number; to: number; since?: number },
  spanMs: number,
): LiveCells {
  const keepFrom = firstColumn(fetched.to - spanMs);
  const kept = (prev?.spanMs === spanMs ? prev.cells : []).filter((c) => c.t >= keepFrom && c.t < answer.from);
  const fresh = decodeCells(answer).filter((c) => c.t >= keepFrom);
  const late = fetched.since === undefined || fetched.to - fetched.since >= LIVE_LATE_MS;
  return { cells: [...kept, ...fresh], fetchedTo: fetched.to, lateTo: late ? fetched.to : (prev?.lateTo ?? fetched.to), spanMs };
}

/**
 * How often a live chart moves its x range: once per pixel of the plot, so it glides, but not
 * more than 4 times a second (a 10-minute window on a laptop screen: about every 0.6 s).
 */
export function slideStepMs(spanMs: number, plotWidthPx: number): number {
  return Math.min(5_000, Math.max(250, spanMs / Math.max(1, plotWidthPx)));
}
