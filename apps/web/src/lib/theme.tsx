'use client';

import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';

/** What the user chose: follow the system (default), or always light or dark. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'meridian.theme';

/** The theme shown for a choice and the system's preference. */
export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/**
 * Colours for canvas charts (echarts draws on a canvas and cannot read CSS variables); the same
 * values as globals.css's variables of each theme.
 */
export const CHART_COLORS: Record<Theme, { text: string; muted: string; line: string; grid: string; panel: string; series: string[] }> = {
  light: { text: '#1c2430', muted: '#5d6b7e', line: '#d9e0ea', grid: '#eef2f7', panel: '#ffffff', series: ['#1565c0', '#e65100', '#2e7d32', '#6a1b9a'] },
  dark: { text: '#e3e9f1', muted: '#9aa8ba', line: '#2b3645', grid: '#1f2835', panel: '#161d27', series: ['#6ea8ff', '#ffab40', '#81c784', '#ce93d8'] },
};

interface ThemeContext {
  choice: ThemeChoice;
  theme: Theme;
  setChoice(choice: ThemeChoice): void;
}

const Ctx = createContext<ThemeContext>({ choice: 'system', theme: 'light', setChoice: () => undefined });

/** The stored choice, as an external store (other tabs change it through the storage event). */
const choiceListeners = new Set<() => void>();
function subscribeChoice(onChange: () => void): () => void {
  choiceListeners.add(onChange);
  window.addEventListener('storage', onChange);
  return () => {
    choiceListeners.delete(onChange);
    window.removeEventListener('storage', onChange);
  };
}
function storedChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}
function setChoice(next: ThemeChoice): void {
  try {
    if (next === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage off: nothing to keep the choice in.
  }
  for (const notify of choiceListeners) notify();
}

const DARK_QUERY = '(prefers-color-scheme: dark)';
function subscribeSystem(onChange: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/**
 * Keeps `<html data-theme>` (which globals.css's dark variables key on) on the user's choice,
 * following the system's light/dark setting live while the choice is "system".
 */
export function ThemeProvider({ children }: { children: ReactNode }) {
  const choice = useSyncExternalStore(subscribeChoice, storedChoice, () => 'system' as const);
  const systemDark = useSyncExternalStore(
    subscribeSystem,
    () => window.matchMedia(DARK_QUERY).matches,
    () => false,
  );
  const theme = resolveTheme(choice, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const value = useMemo(() => ({ choice, theme, setChoice }), [choice, theme]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The theme shown now, the user's choice and a way to change it. */
export function useTheme(): ThemeContext {
  return useContext(Ctx);
}

/** Chart colours of the theme shown now (re-render charts when it changes). */
export function useChartColors(): (typeof CHART_COLORS)[Theme] {
  return CHART_COLORS[useTheme().theme];
}
