'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

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

/**
 * Keeps `<html data-theme>` (which globals.css's dark variables key on) on the user's choice,
 * following the system's light/dark setting live while the choice is "system".
 */
export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoiceState] = useState<ThemeChoice>('system');
  const [systemDark, setSystemDark] = useState(false);
  useEffect(() => {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'light' || stored === 'dark') setChoiceState(stored);
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    setSystemDark(query.matches);
    const onChange = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  const theme = resolveTheme(choice, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const setChoice = useCallback((next: ThemeChoice) => {
    setChoiceState(next);
    try {
      if (next === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage off: the choice lasts for this page only.
    }
  }, []);
  const value = useMemo(() => ({ choice, theme, setChoice }), [choice, theme, setChoice]);
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
