import {
  decodeCells,
  LIVE_LATE_EVERY_MS,
  LIVE_LATE_MS,
  LIVE_REFETCH_MS,
  liveAxisRange,
  liveFetchWindow,
  mergeLiveCells,
  slideStepMs,
  type Cell,
  type ColumnarCells,
  type LiveCells,
} from './live';
import { MAX_WINDOW_MS, SPAN_PRESETS, spanMs } from './view';

const TEN_MIN = 600_000;
const T0 = 1_700_000_002_345; // not on a column edge
const column = (ms: number) => Math.floor(ms / 5_000) * 5_000;

/** Cells → the API's columnar answer starting at `from`. */
function columnar(from: number, cells: Cell[]): ColumnarCells {
  const a = { from, columns: [] as number[], cellsPerColumn: [] as number[], y: [] as number[], hits: [] as number[], errors: [] as number[] };
  for (const c of cells) {
    if (a.columns[a.columns.length - 1] === c.t) a.cellsPerColumn[a.cellsPerColumn.length - 1]++;
    else {
      a.columns.push(c.t);
      a.cellsPerColumn.push(1);
    }
    a.y.push(c.y);
    a.hits.push(c.hits);
    a.errors.push(c.errors);
  }
  return a;
}

/** A fake server like the API: one cell per column in [column(since ?? from), to) whose hits = the poll number, so a stale cell shows. */
function serve(w: { from: number; to: number; since?: number }, version: number, extra: Cell[] = []): ColumnarCells {
  const from = column(Math.max(w.from, w.since ?? w.from));
  const out: Cell[] = [];
  for (let t = from; t < w.to; t += 5_000) out.push({ t, y: 3, hits: version, errors: 0 }, ...extra.filter((c) => c.t === t));
  return columnar(from, out);
}

/** Polls every 5 s from T0 for `polls` polls; returns the live state, the windows asked for and the columns answered. */
function poll(
  polls: number,
  spanMs = TEN_MIN,
): { live: LiveCells; asked: Array<{ from: number; to: number; since?: number }>; answered: number[]; now: number } {
  let live: LiveCells | undefined;
  const asked: Array<{ from: number; to: number; since?: number }> = [];
  const answered: number[] = [];
  let now = T0;
  for (let i = 1; i <= polls; i++, now += 5_000) {
    const w = liveFetchWindow(live, now, spanMs);
    asked.push(w);
    const answer = serve(w, i);
    answered.push(answer.columns.length);
    live = mergeLiveCells(live, answer, w, spanMs);
  }
  return { live: live!, asked, answered, now: now - 5_000 };
}

describe('live hitmap window', () => {
  it('slides the x range with the clock, so each second moves it by one second (no jump when a column appears)', () => {
    expect(liveAxisRange(T0, TEN_MIN)).toEqual({ min: T0 - TEN_MIN, max: T0 });
    const a = liveAxisRange(T0, TEN_MIN);
    const b = liveAxisRange(T0 + 1_000, TEN_MIN);
    expect(b.min - a.min).toBe(1_000);
    expect(b.max - b.min).toBe(TEN_MIN);
  });

  it.each(SPAN_PRESETS)('asks for at most the API maximum with the %s preset (the start is not rounded down)', (preset) => {
    const span = spanMs(preset)!;
    for (const w of poll(3, span).asked) {
      expect(w.to - w.from).toBe(span);
      expect(w.to - w.from).toBeLessThanOrEqual(MAX_WINDOW_MS);
    }
  });

  it('reads the whole window first, then only the newest columns (since), and further back once a minute', () => {
    const { asked, answered } = poll(30);
    expect(asked[0].since).toBeUndefined();
    expect(answered[0]).toBe(TEN_MIN / 5_000 + 1);
    const late = asked.filter((w) => w.since !== undefined && w.to - w.since >= LIVE_LATE_MS);
    // 30 polls over 145 s: a late re-read at 60 s and 120 s; every other poll re-sends ~LIVE_REFETCH_MS.
    expect(late.map((w) => w.to - T0)).toEqual([LIVE_LATE_EVERY_MS, 2 * LIVE_LATE_EVERY_MS]);
    asked.slice(1).forEach((w, i) => {
      expect(w.since).toBeDefined();
      if (!late.includes(w)) expect(answered[i + 1]).toBeLessThanOrEqual(LIVE_REFETCH_MS / 5_000 + 2);
      else expect(answered[i + 1]).toBeLessThanOrEqual(LIVE_LATE_MS / 5_000 + 1);
    });
    // A new span reads its whole window again.
    const { live } = poll(2);
    expect(liveFetchWindow(live, T0 + 10_000, 300_000)).toEqual({ from: T0 + 10_000 - 300_000, to: T0 + 10_000 });
  });

  it('merges polls into exactly what one full fetch would give', () => {
    const { live, now } = poll(30);
    const cols = live.cells.map((c) => c.t);
    // Sorted, no duplicates, no column left of the window, nothing missing.
    expect(cols).toEqual([...new Set(cols)].sort((a, b) => a - b));
    expect(cols).toEqual(decodeCells(serve({ from: now - TEN_MIN, to: now }, 0)).map((c) => c.t));
    // The re-sent columns carry the newest answer.
    expect(live.cells.filter((c) => c.t >= now - LIVE_REFETCH_MS).every((c) => c.hits === 30)).toBe(true);
  });

  it('shows a late cell in an older column after the next minute’s re-read, and keeps it after', () => {
    const { live, now } = poll(3);
    const late = { t: column(now - 100_000), y: 50, hits: 1, errors: 1 };
    // A short poll does not reach that far back...
    const w1 = liveFetchWindow(live, now + 5_000, TEN_MIN);
    const m1 = mergeLiveCells(live, serve(w1, 4, [late]), w1, TEN_MIN);
    expect(m1.cells).not.toContainEqual(late);
    // ...the late re-read does.
    const w2 = liveFetchWindow(m1, now + LIVE_LATE_EVERY_MS, TEN_MIN);
    const m2 = mergeLiveCells(m1, serve(w2, 5, [late]), w2, TEN_MIN);
    expect(m2.cells).toContainEqual(late);
    const w3 = liveFetchWindow(m2, now + LIVE_LATE_EVERY_MS + 5_000, TEN_MIN);
    expect(mergeLiveCells(m2, serve(w3, 6), w3, TEN_MIN).cells).toContainEqual(late);
  });

  it('fills every column since the last answer after polls stopped for minutes (a hidden tab, refused reads)', () => {
    const { live, now } = poll(13); // the first poll (T0) was a late read; the next is due at T0 + 60 s
    // No poll answered for 5 minutes: react-query does not poll a hidden tab, and a refused poll leaves the cache as it was.
    const later = now + 300_000;
    const w = liveFetchWindow(live, later, TEN_MIN);
    expect(w.since).toBeLessThanOrEqual(live.fetchedTo - LIVE_REFETCH_MS);
    const merged = mergeLiveCells(live, serve(w, 14), w, TEN_MIN);
    // Exactly the columns of a full fetch: none left empty between the last answer and the late re-read's reach.
    expect(merged.cells.map((c) => c.t)).toEqual(decodeCells(serve({ from: later - TEN_MIN, to: later }, 0)).map((c) => c.t));
    expect(merged.cells.filter((c) => c.t >= live.fetchedTo - LIVE_REFETCH_MS).every((c) => c.hits === 14)).toBe(true);
  });

  it('drops cells that slid out of the window even when the answer is empty', () => {
    const prev: LiveCells = {
      cells: [
        { t: T0 - TEN_MIN - 10_000, y: 1, hits: 1, errors: 0 },
        { t: T0 - 100_000, y: 1, hits: 2, errors: 1 },
      ],
      fetchedTo: T0 - 5_000,
      lateTo: T0 - 5_000,
      spanMs: TEN_MIN,
    };
    const w = { from: T0 - TEN_MIN, to: T0, since: T0 - 35_000 };
    const merged = mergeLiveCells(prev, columnar(column(T0 - 35_000), []), w, TEN_MIN);
    expect(merged).toEqual({ cells: [{ t: T0 - 100_000, y: 1, hits: 2, errors: 1 }], fetchedTo: T0, lateTo: T0 - 5_000, spanMs: TEN_MIN });
  });

  it('moves the x range about once per pixel: smooth, but not busier than 4 times a second', () => {
    expect(slideStepMs(TEN_MIN, 1000)).toBe(600);
    expect(slideStepMs(TEN_MIN, 4000)).toBe(250);
    expect(slideStepMs(6 * 3600_000, 1000)).toBe(5_000);
    expect(slideStepMs(TEN_MIN, 0)).toBe(5_000);
  });
});
