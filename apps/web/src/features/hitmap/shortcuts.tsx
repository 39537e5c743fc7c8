'use client';

import { useEffect, useRef } from 'react';
import { useMessages } from '../../lib/i18n';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { SHORTCUT_KEYS, shortcutFor, type ShortcutActions } from './shortcut-keys';

/** Keyboard shortcuts of the hitmap page, active while it is mounted. */
export function useShortcuts(actions: ShortcutActions): void {
  const ref = useRef(actions);
  useEffect(() => {
    ref.current = actions;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      ref.current[action]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The list `?` opens. */
export function Shortcuts({ onClose }: { onClose(): void }) {
  const t = useMessages(hitmapMessages);
  return (
    <div className={`popover ${styles.shortcuts}`} role="dialog" aria-label={t.shortcuts} data-testid="shortcuts">
      <div className={styles.panelHead}>
        <h2>{t.shortcuts}</h2>
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t.close}
        </button>
      </div>
      <dl>
        {SHORTCUT_KEYS.map(([key, action]) => (
          <div key={key}>
            <dt>
              <kbd>{key === 'Escape' ? 'Esc' : key}</kbd>
            </dt>
            <dd>{t.shortcut(action)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
