import { fromZonedInput, toZonedInput } from './zoned-time';

describe('wall-clock text in the user’s time zone', () => {
  it('reads and writes wall-clock time of a zone without DST (Tokyo)', () => {
    const ms = Date.UTC(2026, 4, 1, 0, 30, 15); // 09:30:15 in Tokyo
    expect(toZonedInput(ms, 'Asia/Tokyo')).toBe('2026-05-01 09:30:15');
    expect(fromZonedInput('2026-05-01 09:30:15', 'Asia/Tokyo')).toBe(ms);
    expect(fromZonedInput('2026-05-01T09:30:15', 'Asia/Tokyo')).toBe(ms);
    expect(fromZonedInput('2026-05-01T09:30', 'Asia/Tokyo')).toBe(ms - 15_000);
    expect(toZonedInput(Date.UTC(2026, 4, 1, 15, 0, 0), 'Asia/Tokyo')).toBe('2026-05-02 00:00:00'); // midnight is 00, not 24
    expect(toZonedInput(Date.UTC(2026, 4, 1, 5, 0, 0), 'Asia/Tokyo')).toBe('2026-05-01 14:00:00'); // 24 h, no AM/PM
  });

  it('follows DST in zones that have it (Berlin, summer and winter)', () => {
    expect(fromZonedInput('2026-07-01T12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 10, 0));
    expect(fromZonedInput('2026-01-01T12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 1, 11, 0));
    // The day DST ends: 01:30 UTC is 03:30 summer time → after the switch it is 02:30 winter time.
    const ms = Date.UTC(2026, 9, 25, 2, 30);
    expect(fromZonedInput(toZonedInput(ms, 'Europe/Berlin'), 'Europe/Berlin')).toBe(ms);
  });

  it('round-trips every hour of a year in New York', () => {
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3600_000 * 7 + 60_000) {
      const text = toZonedInput(ms, 'America/New_York');
      // Hours repeated when DST ends have two instants; the text must at least mean the same wall clock.
      expect(toZonedInput(fromZonedInput(text, 'America/New_York')!, 'America/New_York')).toBe(text);
    }
  });

  it('refuses text that is not a wall-clock time', () => {
    for (const bad of ['', '2026-05-01', '2026-05-01 9:30', '2026-05-01 09:30 PM', 'yesterday', '2026-5-1T9:30'])
      expect(fromZonedInput(bad, 'UTC')).toBeUndefined();
  });
});
