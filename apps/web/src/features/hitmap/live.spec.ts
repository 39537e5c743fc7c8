import { LIVE_FULL_REFRESH_MS, LIVE_REFETCH_MS, liveAxisRange, liveFetchWindow, mergeLiveCells, slideStepMs, type Cell, type LiveCells } from './live';

const TEN_MIN = 600_000;
const T0 = 1_700_000_002_345; // not on a column edge
const column = (ms: number) => Math.floor(ms / 5_000) * 5_000;

/** A fake server: one cell per column in [from, to) whose hits = the poll number, so a stale cell shows. */
function serverCells(from: number, to: number, version: number): Cell[] {
  const out: Cell[] = [];
  for (let t = column(from); t < to; t += 5_000) out.push({ t, y: 3, hits: version, errors: 0 });
  return out;
}

/** Polls every 5 s from T0 for `polls` polls; returns the live state and the windows asked for. */
function poll(polls: number, spanMs = TEN_MIN): { live: LiveCells; asked: Array<{ from: number; to: number }>; now: number } {
  let live: LiveCells | undefined;
  const asked: Array<{ from: number; to: number }> = [];
  let now = T0;
  for (let i = 1; i <= polls; i++, now += 5_000) {
    const w = liveFetchWindow(live, now, spanMs);
    asked.push(w);
    live = mergeLiveCells(live, serverCells(w.from, w.to, i), w, spanMs);
  }
  return { live: live!, asked, now: now - 5_000 };
}

describe('live hitmap window', () => {
  it('slides the x range with the clock, so each second moves it by one second (no jump when a column appears)', () => {
    expect(liveAxisRange(T0, TEN_MIN)).toEqual({ min: T0 - TEN_MIN, max: T0 });
    const a = liveAxisRange(T0, TEN_MIN);
    const b = liveAxisRange(T0 + 1_000, TEN_MIN);
    expect(b.min - a.min).toBe(1_000);
    expect(b.max - b.min).toBe(TEN_MIN);
  });

  it('fetches the whole window first, from the column under the left edge', () => {
    const w = liveFetchWindow(undefined, T0, TEN_MIN);
    expect(w).toEqual({ from: 1_699_999_400_000, to: T0 });
    expect(w.from).toBeLessThanOrEqual(T0 - TEN_MIN);
    expect(w.from).toBeGreaterThan(T0 - TEN_MIN - 5_000);
  });

  it('then re-reads only the trailing minute, the whole window once a minute, and everything for a new span', () => {
    const { asked } = poll(30);
    const full = asked.filter((w) => w.from === column(w.to - TEN_MIN));
    // 30 polls over 145 s: full at 0 s, 60 s and 120 s; the rest re-read about a minute.
    expect(full.map((w) => w.to - T0)).toEqual([0, LIVE_FULL_REFRESH_MS, 2 * LIVE_FULL_REFRESH_MS]);
    for (const w of asked.filter((x) => !full.includes(x))) expect(w.to - w.from).toBeLessThanOrEqual(LIVE_REFETCH_MS + 10_000);
    const { live } = poll(2);
    expect(liveFetchWindow(live, T0 + 10_000, 300_000)).toEqual({ from: column(T0 + 10_000 - 300_000), to: T0 + 10_000 });
  });

  it('merges polls into exactly what one full fetch would give', () => {
    const { live, now } = poll(30);
    const cols = live.cells.map((c) => c.t);
    // Sorted, no duplicates, no column left of the window, nothing missing.
    expect(cols).toEqual([...new Set(cols)].sort((a, b) => a - b));
    expect(cols).toEqual(serverCells(now - TEN_MIN, now, 0).map((c) => c.t));
    // The trailing minute carries the newest answer.
    expect(live.cells.filter((c) => c.t >= now - LIVE_REFETCH_MS).every((c) => c.hits === 30)).toBe(true);
  });

  it('shows late data in older columns after the next full re-read', () => {
    const { live, now } = poll(3);
    const late = { t: column(now - 300_000), y: 50, hits: 1, errors: 1 };
    const w = liveFetchWindow(live, now + LIVE_FULL_REFRESH_MS, TEN_MIN);
    const merged = mergeLiveCells(live, [...serverCells(w.from, w.to, 9), late], w, TEN_MIN);
    expect(merged.cells).toContainEqual(late);
    expect(merged.fullTo).toBe(now + LIVE_FULL_REFRESH_MS);
  });

  it('drops cells that slid out of the window even when the fresh answer is empty', () => {
    const prev: LiveCells = { cells: [{ t: T0 - TEN_MIN - 10_000, y: 1, hits: 1, errors: 0 }, { t: T0 - 100_000, y: 1, hits: 2, errors: 1 }], fetchedTo: T0 - 5_000, fullTo: T0 - 5_000, spanMs: TEN_MIN };
    const merged = mergeLiveCells(prev, [], { from: T0 - 60_000, to: T0 }, TEN_MIN);
    expect(merged).toEqual({ cells: [{ t: T0 - 100_000, y: 1, hits: 2, errors: 1 }], fetchedTo: T0, fullTo: T0 - 5_000, spanMs: TEN_MIN });
  });

  it('moves the x range about once per pixel: smooth, but not busier than 4 times a second', () => {
    expect(slideStepMs(TEN_MIN, 1000)).toBe(600);
    expect(slideStepMs(TEN_MIN, 4000)).toBe(250);
    expect(slideStepMs(6 * 3600_000, 1000)).toBe(5_000);
    expect(slideStepMs(TEN_MIN, 0)).toBe(5_000);
  });
});
