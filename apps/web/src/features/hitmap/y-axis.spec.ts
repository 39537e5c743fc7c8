import { HITMAP_OVERFLOW_MS, HITMAP_ROWS, hitmapRow } from '@meridian/domain';
import { formatAxisMs, isYZoom, yAxisMarks, yZoomTop } from './y-axis';

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

  it('zooms to 1 s, 5 s and 20 s: the axis ends on the row where that duration starts', () => {
    expect(yZoomTop('1s')).toBe(8);
    expect(yZoomTop('5s')).toBe(40);
    expect(yZoomTop('20s')).toBe(hitmapRow(20_000));
    expect(yZoomTop('all')).toBe(HITMAP_ROWS);
    expect([isYZoom('5s'), isYZoom('2s'), isYZoom(null)]).toEqual([true, false, false]);
  });

  it('labels a zoomed axis often enough to read: every 125 ms row up to 1 s, the layout marks up to 5 s and 20 s', () => {
    expect(yAxisMarks(yZoomTop('1s')).map((m) => formatAxisMs(m.ms))).toEqual([
      '0',
      '125 ms',
      '250 ms',
      '375 ms',
      '500 ms',
      '625 ms',
      '750 ms',
      '875 ms',
      '1 s',
    ]);
    expect(yAxisMarks(yZoomTop('5s')).map((m) => formatAxisMs(m.ms))).toEqual(['0', '1 s', '2 s', '3 s', '4 s', '5 s']);
    expect(yAxisMarks(yZoomTop('20s')).map((m) => formatAxisMs(m.ms))).toEqual(['0', '1 s', '2 s', '3 s', '4 s', '5 s', '10 s', '20 s']);
  });
});
