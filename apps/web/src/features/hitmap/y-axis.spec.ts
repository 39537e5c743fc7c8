import { HITMAP_OVERFLOW_MS, HITMAP_ROWS, hitmapRow } from '@meridian/domain';
import { formatAxisMs, yAxisMarks } from './y-axis';

describe('hitmap y axis', () => {
  it('labels the band boundaries of the shared layout and whole seconds below 5 s', () => {
    const marks = yAxisMarks();
    expect(marks.map((m) => formatAxisMs(m.ms))).toEqual(['0', '1 s', '2 s', '3 s', '4 s', '5 s', '10 s', '20 s', '40 s', '78 s']);
    // Each mark sits on the row the layout puts that duration in.
    for (const m of marks) expect(m.row).toBe(hitmapRow(m.ms));
    expect(marks[marks.length - 1]).toEqual({ row: HITMAP_ROWS - 1, ms: HITMAP_OVERFLOW_MS });
  });

  it('formats sub-second and fractional values', () => {
    expect(formatAxisMs(125)).toBe('125 ms');
    expect(formatAxisMs(2500)).toBe('2.5 s');
  });
});
