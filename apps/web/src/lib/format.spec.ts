import { createFormatter, detectLocale, isValidTimeZone } from './format';

describe('format', () => {
  it('picks Japanese for ja-* browsers and English otherwise', () => {
    expect(detectLocale(['ja-JP', 'en-US'])).toBe('ja');
    expect(detectLocale(['ko-KR', 'en-US'])).toBe('en');
    expect(detectLocale(['fr-FR'])).toBe('en');
    expect(detectLocale([])).toBe('en');
  });

  it('shows the same instant in the chosen time zone', () => {
    const at = Date.UTC(2026, 10, 22, 0, 15, 30);
    expect(createFormatter('en', 'UTC').dateTime(at)).toBe('2026-11-22 00:15:30');
    expect(createFormatter('en', 'Asia/Tokyo').dateTime(at)).toBe('2026-11-22 09:15:30');
    expect(createFormatter('ja', 'Asia/Seoul').time(new Date(at).toISOString())).toBe('09:15:30');
    // Across midnight the date moves too.
    expect(createFormatter('ja', 'America/Los_Angeles').dateTime(at)).toBe('2026-11-21 16:15:30');
  });

  it('formats response times in the unit an SRE reads', () => {
    const f = createFormatter('en', 'UTC');
    expect(f.duration(0.4)).toBe('0.4 ms');
    expect(f.duration(4.567)).toBe('4.57 ms');
    expect(f.duration(850)).toBe('850 ms');
    expect(f.duration(1250)).toBe('1.25 s');
    expect(f.duration(125_000)).toBe('2 min 5 s');
    expect(f.duration(Number.NaN)).toBe('–');
    expect(f.duration(900_000)).toBe('15 min');
  });

  it('says configured periods in words, not as raw seconds', () => {
    const en = createFormatter('en', 'UTC');
    expect(en.period(900)).toBe('15 minutes');
    expect(en.period(5400)).toBe('1 hour 30 minutes');
    expect(en.period(86_400 + 3600 + 61)).toBe('1 day 1 hour');
    expect(en.period(60)).toBe('1 minute');
    expect(en.period(45)).toBe('45 seconds');
    expect(en.period(0)).toBe('0 seconds');
    expect(createFormatter('ja', 'UTC').period(900)).toBe('15 分');
    expect(createFormatter('ja', 'UTC').period(5400)).toBe('1 時間 30 分');
  });

  it('formats numbers and ratios per language', () => {
    expect(createFormatter('en', 'UTC').number(1234567)).toBe('1,234,567');
    expect(createFormatter('ja', 'UTC').percent(0.1234)).toBe('12.3%');
    expect(createFormatter('en', 'UTC').percent(0.0004)).toBe('0.04%');
  });

  it('refuses unknown time zones (a stale preference falls back to the browser zone)', () => {
    expect(isValidTimeZone('Asia/Tokyo')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
