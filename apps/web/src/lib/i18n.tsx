'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createFormatter, detectLocale, isValidTimeZone, type Formatter, type Locale } from './format';

/** A message is text, or a function of its arguments for text with values in it. */
type Message = string | ((...args: never[]) => string);

/**
 * One feature's strings in every language. Each page/feature keeps its own bundle beside it
 * (no central catalogue to merge); the type makes Japanese carry exactly the English keys with
 * the same arguments, so a missing translation fails the typecheck.
 */
export function defineMessages<M extends Record<string, Message>>(bundle: { en: M; ja: NoInfer<M> }): { en: M; ja: M } {
  return bundle;
}

interface Prefs {
  locale: Locale;
  /** IANA zone; defaults to the browser's. */
  timeZone: string;
}

interface PrefsContext extends Prefs {
  fmt: Formatter;
  setLocale(locale: Locale): void;
  setTimeZone(zone: string): void;
}

const STORAGE_KEY = 'meridian.prefs';
const Ctx = createContext<PrefsContext | null>(null);

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function loadPrefs(): Prefs {
  const fallback: Prefs = { locale: detectLocale(navigator.languages ?? [navigator.language]), timeZone: browserZone() };
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Prefs>;
    return {
      locale: saved.locale === 'en' || saved.locale === 'ja' ? saved.locale : fallback.locale,
      timeZone: saved.timeZone && isValidTimeZone(saved.timeZone) ? saved.timeZone : fallback.timeZone,
    };
  } catch {
    return fallback;
  }
}

/**
 * Language and time zone of this browser. Children render only once the preferences are read
 * (they live in localStorage, which the static prerender cannot see), so a Japanese user never
 * sees an English flash or a hydration mismatch.
 */
export function PrefsProvider({ children }: { children: ReactNode }) {
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  // Reading localStorage must wait for the browser; this is the one place that syncs from it.
  // eslint-disable-next-line react-hooks/set-state-in-effect
  useEffect(() => setPrefs(loadPrefs()), []);
  useEffect(() => {
    if (prefs) document.documentElement.lang = prefs.locale;
  }, [prefs]);
  const update = useCallback((patch: Partial<Prefs>) => {
    setPrefs((prev) => {
      const next = { ...(prev ?? loadPrefs()), ...patch };
      localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      return next;
    });
  }, []);
  const value = useMemo<PrefsContext | null>(
    () =>
      prefs && {
        ...prefs,
        fmt: createFormatter(prefs.locale, prefs.timeZone),
        setLocale: (locale) => update({ locale }),
        setTimeZone: (timeZone) => update({ timeZone: isValidTimeZone(timeZone) ? timeZone : browserZone() }),
      },
    [prefs, update],
  );
  if (!value) return null;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function usePrefs(): PrefsContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('usePrefs() outside <PrefsProvider>');
  return ctx;
}

/** The current language's strings of a bundle made by `defineMessages`. */
export function useMessages<M>(bundle: { en: M; ja: M }): M {
  return bundle[usePrefs().locale];
}

/** Dates, durations and numbers in the user's language and time zone. */
export function useFormat(): Formatter {
  return usePrefs().fmt;
}
