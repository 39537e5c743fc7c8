'use client';

import { defineMessages, useMessages } from '../lib/i18n';
import { THEME_CHOICES, useTheme, type ThemeChoice } from '../lib/theme';

const m = defineMessages({
  en: { theme: 'Theme', system: 'System theme', light: 'Light', dark: 'Dark' },
  ja: { theme: 'テーマ', system: 'システムに合わせる', light: 'ライト', dark: 'ダーク' },
});

/** Light, dark, or the system's setting (the default), kept in this browser. */
export function ThemeToggle() {
  const t = useMessages(m);
  const { choice, setChoice } = useTheme();
  return (
    <select aria-label={t.theme} title={t.theme} value={choice} onChange={(e) => setChoice(e.target.value as ThemeChoice)}>
      {THEME_CHOICES.map((c) => (
        <option key={c} value={c}>
          {t[c]}
        </option>
      ))}
    </select>
  );
}
