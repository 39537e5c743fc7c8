import { HITMAP_ROWS, hitmapRow, hitmapRowBounds } from '@meridian/domain';
import { parseSelectionParam, selectionFromRange, selectionParam, selectionQuery, selectionRect } from './selection';

const T = 1_700_000_000_000; // a column start (divisible by 5000)

describe('hitmap selection → query', () => {
  it('covers whole 5 s columns: [start of the first, end of the last)', () => {
    expect(selectionFromRange([T + 1_200, T + 12_300], [0.2, 0.9])).toMatchObject({ from: T, to: T + 15_000 });
    // Reversed drags (right to left, top to bottom) give the same rectangle.
    expect(selectionFromRange([T + 12_300, T + 1_200], [0.9, 0.2])).toEqual(selectionFromRange([T + 1_200, T + 12_300], [0.2, 0.9]));
    // A brush ending exactly on a column edge does not take the next column.
    expect(selectionFromRange([T, T + 10_000], [0, 1])).toMatchObject({ from: T, to: T + 10_000 });
    // A click (zero width) selects its column.
    expect(selectionFromRange([T + 7_000, T + 7_000], [3.5, 3.5])).toMatchObject({ from: T + 5_000, to: T + 10_000 });
  });

  it('maps rows to the layout bounds: [lower edge of the first row, upper edge of the last)', () => {
    // Rows 24..27 = 3 s to 3.5 s (125 ms rows).
    expect(selectionFromRange([T, T + 1], [24.1, 27.6])).toEqual({ from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_500 });
    // Across the 5 s band edge: row 39 (4.875 s) to row 41 (5.25–5.5 s).
    expect(selectionFromRange([T, T + 1], [39.5, 41.5])).toMatchObject({ minMs: 4_875, maxMs: 5_500 });
    // The bottom row starts at 0.
    expect(selectionFromRange([T, T + 1], [-3, 0.5])).toMatchObject({ minMs: 0, maxMs: 125 });
  });

  it('leaves maxMs out when the last (≥ 78 s) row is included, and clamps beyond the chart', () => {
    const top = selectionFromRange([T, T + 1], [100.5, 130]);
    expect(top).toEqual({ from: T, to: T + 5_000, minMs: hitmapRowBounds(100).fromMs });
    expect(top.maxMs).toBeUndefined();
    expect(selectQueryKeys(top)).toEqual(['from', 'minMs', 'to']);
    expect(selectionFromRange([T, T + 1], [119.2, 119.8]).maxMs).toBeUndefined();
    expect(selectionFromRange([T, T + 1], [118.2, 118.8]).maxMs).toBe(78_000);
  });

  it('selects exactly the transactions of the brushed cells (end time and duration)', () => {
    const sel = selectionFromRange([T + 6_000, T + 14_000], [hitmapRow(3_200) + 0.5, hitmapRow(3_200) + 0.5]);
    const inside = (endMs: number, durationMs: number) =>
      endMs >= sel.from && endMs < sel.to && durationMs >= sel.minMs && (sel.maxMs === undefined || durationMs < sel.maxMs);
    expect(inside(T + 5_000, 3_200)).toBe(true); // same column as the brush start
    expect(inside(T + 14_999, 3_249)).toBe(true);
    expect(inside(T + 15_000, 3_200)).toBe(false);
    expect(inside(T + 9_000, 3_250)).toBe(false); // next row
    expect(inside(T + 9_000, 3_124)).toBe(false);
  });

  it('draws the rectangle of a selection back on whole rows', () => {
    expect(selectionRect({ from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_500 })).toEqual({ x: [T, T + 5_000], y: [24, 28] });
    expect(selectionRect({ from: T, to: T + 5_000, minMs: 3_000 })).toEqual({ x: [T, T + 5_000], y: [24, HITMAP_ROWS] });
    // A hand-made maxMs inside a row still shows that row.
    expect(selectionRect({ from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_130 }).y).toEqual([24, 26]);
  });

  it('round-trips through the URL and refuses malformed text', () => {
    const a = { from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_500 };
    const b = { from: T, to: T + 5_000, minMs: 3_000 };
    expect(parseSelectionParam(selectionParam(a))).toEqual(a);
    expect(parseSelectionParam(selectionParam(b))).toEqual(b);
    for (const bad of [null, '', '1,2', `${T},${T},0`, `${T + 5},${T},0`, `${T},${T + 5},-1`, `${T},${T + 5},10,5`, 'a,b,c', `${T},,0`, '1,2,3,4,5']) {
      expect(parseSelectionParam(bad)).toBeUndefined();
    }
  });

  it('sends epoch-ms bounds to the API', () => {
    expect(selectionQuery({ from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_500 })).toEqual({
      from: String(T),
      to: String(T + 5_000),
      minMs: 3_000,
      maxMs: 3_500,
    });
  });
});

function selectQueryKeys(sel: Parameters<typeof selectionQuery>[0]): string[] {
  return Object.keys(selectionQuery(sel)).sort();
}
