/**
 * Locale- and time-zone-aware formatting of what the UI shows (pure: testable without a
 * browser). Dates are shown in the user's time zone: the browser's unless they picked another.
 */
import { toZonedInput } from './zoned-time';

export const LOCALES = ['en', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];

const INTL_TAG: Record<Locale, string> = { en: 'en-GB', ja: 'ja-JP' };

/** First supported language among the browser's preferences (`ja-JP` → ja), else English. */
export function detectLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if ((LOCALES as readonly string[]).includes(base)) return base as Locale;
  }
  return 'en';
}

/** True when the runtime knows the IANA zone (a stored preference may be stale or mistyped). */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface Formatter {
  locale: Locale;
  timeZone: string;
  /** `2026-11-22 09:15:30` style, in the user's zone. */
  dateTime(value: number | string | Date): string;
  /** `09:15:30`, in the user's zone. */
  time(value: number | string | Date): string;
  /** Response times: `850 ms`, `1.25 s`, `2 min 5 s`, `15 min`. */
  duration(ms: number): string;
  /** Configured periods in words, at most two units: `15 minutes`, `1 hour 30 minutes` (`15 分`). */
  period(seconds: number): string;
  number(n: number, maxFractionDigits?: number): string;
  /** A ratio 0..1 as a percentage. */
  percent(ratio: number): string;
  /** Short zone name for labels (`JST`, `GMT+9`). */
  zoneLabel(at?: number): string;
}

const PERIOD_UNITS = [
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
] as const;

export function createFormatter(locale: Locale, timeZone: string): Formatter {
  const tag = INTL_TAG[locale];
  const parts = { timeZone, hourCycle: 'h23' } as const;
  const timeFmt = new Intl.DateTimeFormat(tag, { ...parts, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const zoneFmt = new Intl.DateTimeFormat(tag, { timeZone, timeZoneName: 'short' });
  const toDate = (v: number | string | Date) => (v instanceof Date ? v : new Date(v));
  const num = (n: number, digits: number) => new Intl.NumberFormat(tag, { maximumFractionDigits: digits }).format(n);
  return {
    locale,
    timeZone,
    // ISO-like order (year first) reads the same in both languages and sorts visually.
    dateTime: (v) => toZonedInput(toDate(v).getTime(), timeZone),
    time: (v) => timeFmt.format(toDate(v)),
    duration(ms) {
      if (!Number.isFinite(ms)) return '–';
      if (ms < 1) return `${num(ms, 3)} ms`;
      if (ms < 1000) return `${num(ms, ms < 10 ? 2 : 0)} ms`;
      if (ms < 60_000) return `${num(ms / 1000, 2)} s`;
      const min = Math.floor(ms / 60_000);
      const sec = Math.round((ms % 60_000) / 1000);
      return sec === 0 ? `${num(min, 0)} min` : `${num(min, 0)} min ${num(sec, 0)} s`;
    },
    period(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) return '–';
      const parts: string[] = [];
      let rest = Math.round(seconds);
      for (const [unit, size] of PERIOD_UNITS) {
        if (rest < size && !(unit === 'second' && parts.length === 0)) continue;
        const n = Math.floor(rest / size);
        rest -= n * size;
        parts.push(new Intl.NumberFormat(tag, { style: 'unit', unit, unitDisplay: 'long' }).format(n));
        if (parts.length === 2 || rest === 0) break;
      }
      return parts.join(' ');
    },
    number: (n, digits = 0) => num(n, digits),
    percent: (ratio) => `${num(ratio * 100, ratio > 0 && ratio < 0.01 ? 2 : 1)}%`,
    zoneLabel: (at = Date.now()) => zoneFmt.formatToParts(new Date(at)).find((x) => x.type === 'timeZoneName')?.value ?? timeZone,
  };
}
