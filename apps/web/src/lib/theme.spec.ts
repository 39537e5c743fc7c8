import { CHART_COLORS, resolveTheme } from './theme';

describe('theme', () => {
  it('follows the system unless the user chose light or dark', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('gives charts text that stands out from their panel in both themes', () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const c of Object.values(CHART_COLORS)) expect(Math.abs(luminance(c.text) - luminance(c.panel))).toBeGreaterThan(0.6);
    expect(luminance(CHART_COLORS.dark.panel)).toBeLessThan(luminance(CHART_COLORS.light.panel));
  });
});
