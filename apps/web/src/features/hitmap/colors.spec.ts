import { BLUE_RAMP, cellColor, cellScale, ERROR_RAMP, rampGradient } from './colors';

const lightness = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const isWarm = (hex: string) => parseInt(hex.slice(1, 3), 16) > parseInt(hex.slice(5, 7), 16);
const isBlue = (hex: string) => parseInt(hex.slice(5, 7), 16) > parseInt(hex.slice(1, 3), 16);

describe('hitmap cell colours', () => {
  const scale = cellScale([
    { hits: 1, errors: 0 },
    { hits: 5000, errors: 0 },
    { hits: 40, errors: 7 },
  ]);

  it('takes the scale from the busiest and the most failing cell in view', () => {
    expect(scale).toEqual({ maxHits: 5000, maxErrors: 7 });
    expect(cellScale([])).toEqual({ maxHits: 0, maxErrors: 0 });
  });

  it('is blue, darker with more transactions, from the lightest shade for one to the darkest for the busiest', () => {
    const shades = [1, 2, 10, 100, 1000, 5000].map((n) => cellColor(n, 0, scale));
    expect(shades.every(isBlue)).toBe(true);
    for (let i = 1; i < shades.length; i++) expect(lightness(shades[i])).toBeLessThan(lightness(shades[i - 1]));
    expect(shades[0]).toBe('#c6dbef');
    expect(shades[5]).toBe('#08306b');
    // Logarithmic: 70 of 5000 is already halfway (a linear scale would leave it near-white).
    const mid = cellColor(Math.round(Math.sqrt(5000)), 0, scale);
    expect(lightness(mid)).toBeCloseTo((lightness(shades[0]) + lightness(shades[5])) / 2, -1);
  });

  it('turns cells with any error warm (orange → red), however many hits they hold', () => {
    const one = cellColor(4000, 1, scale);
    const most = cellColor(40, 7, scale);
    expect(isWarm(one) && isWarm(most)).toBe(true);
    expect(one).toBe('#fd8d3c');
    expect(most).toBe('#a50f15');
    expect(lightness(most)).toBeLessThan(lightness(one));
  });

  it('gives a single-cell view its full colour and the legend its gradients', () => {
    expect(cellColor(1, 0, { maxHits: 1, maxErrors: 0 })).toBe('#08306b');
    expect(rampGradient(BLUE_RAMP)).toBe('linear-gradient(to right, #c6dbef, #08306b)');
    expect(rampGradient(ERROR_RAMP)).toContain('#a50f15');
  });
});
