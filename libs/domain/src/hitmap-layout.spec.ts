import { HITMAP_ROWS, hitmapRow, hitmapRowBounds, hitmapRowUpperBoundsMs } from './hitmap-layout';

describe('hitmap layout', () => {
  it('has 120 rows with the WhaTap band widths', () => {
    expect(hitmapRow(0)).toBe(0);
    expect(hitmapRow(124.9)).toBe(0);
    expect(hitmapRow(125)).toBe(1);
    expect(hitmapRow(4_999)).toBe(39);
    expect(hitmapRow(5_000)).toBe(40);
    expect(hitmapRow(9_999)).toBe(59);
    expect(hitmapRow(10_000)).toBe(60);
    expect(hitmapRow(20_000)).toBe(80);
    expect(hitmapRow(40_000)).toBe(100);
    expect(hitmapRow(77_999)).toBe(118);
    expect(hitmapRow(78_000)).toBe(HITMAP_ROWS - 1);
    expect(hitmapRow(3_600_000)).toBe(HITMAP_ROWS - 1);
  });

  it('row bounds round-trip with hitmapRow', () => {
    for (let r = 0; r < HITMAP_ROWS; r++) {
      const { fromMs, toMs } = hitmapRowBounds(r);
      expect(hitmapRow(fromMs)).toBe(r);
      if (Number.isFinite(toMs)) expect(hitmapRow(toMs - 0.001)).toBe(r);
    }
    expect(hitmapRowUpperBoundsMs()).toHaveLength(HITMAP_ROWS - 1);
    expect(() => hitmapRowBounds(120)).toThrow(RangeError);
  });
});
