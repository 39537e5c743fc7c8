import { shortcutFor } from './shortcut-keys';

const key = (k: string, target: Partial<HTMLElement> | null = null, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
  target: target as EventTarget | null,
});

describe('hitmap keyboard shortcuts', () => {
  it('maps ? l t Esc to help, live, time picker and clear', () => {
    expect(['?', 'l', 't', 'Escape'].map((k) => shortcutFor(key(k)))).toEqual(['help', 'live', 'time', 'clear']);
    expect(shortcutFor(key('x'))).toBeUndefined();
  });

  it('leaves keys alone while typing in a field (Esc still clears) and with a modifier held', () => {
    const input = { tagName: 'INPUT', isContentEditable: false };
    expect(shortcutFor(key('l', input))).toBeUndefined();
    expect(shortcutFor(key('t', { tagName: 'SELECT', isContentEditable: false }))).toBeUndefined();
    expect(shortcutFor(key('Escape', input))).toBe('clear');
    expect(shortcutFor(key('l', null, { ctrlKey: true }))).toBeUndefined();
    expect(shortcutFor(key('t', null, { metaKey: true }))).toBeUndefined();
  });
});
