/** The hitmap page's keyboard shortcuts: which key means what (pure, so it is testable without a browser). */
export interface ShortcutActions {
  help(): void;
  live(): void;
  time(): void;
  clear(): void;
}

/** Key → action; `?` and Escape as the browser reports them (layout-independent). */
export const SHORTCUT_KEYS: ReadonlyArray<[string, keyof ShortcutActions]> = [
  ['?', 'help'],
  ['l', 'live'],
  ['t', 'time'],
  ['Escape', 'clear'],
];

/** The action a key press means, or undefined while typing in a field or with a modifier held. */
export function shortcutFor(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}): keyof ShortcutActions | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const el = e.target as HTMLElement | null;
  const typing = !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
  if (typing && e.key !== 'Escape') return undefined;
  return SHORTCUT_KEYS.find(([key]) => key === e.key)?.[1];
}
