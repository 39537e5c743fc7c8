/** What the colours of a view are relative to: its busiest cell and its most failing cell. */
export interface CellScale {
  maxHits: number;
  maxErrors: number;
}

type Rgb = readonly [number, number, number];

/** Few → many transactions: light to dark blue (ColorBrewer "Blues"). */
export const BLUE_RAMP: readonly [Rgb, Rgb] = [
  [198, 219, 239],
  [8, 48, 107],
];
/** Cells holding errors: orange (one error) to dark red (the most errors in view). */
export const ERROR_RAMP: readonly [Rgb, Rgb] = [
  [253, 141, 60],
  [165, 15, 21],
];

export function cellScale(cells: ReadonlyArray<{ hits: number; errors: number }>): CellScale {
  let maxHits = 0;
  let maxErrors = 0;
  for (const c of cells) {
    if (c.hits > maxHits) maxHits = c.hits;
    if (c.errors > maxErrors) maxErrors = c.errors;
  }
  return { maxHits, maxErrors };
}

/**
 * Colour of a cell. Logarithmic in the count: a hitmap's busy band has thousands of
 * transactions per cell while the slow outliers the SRE looks for have one or two, and those
 * must still be visible. Any error turns the cell warm, whatever its hit count.
 */
export function cellColor(hits: number, errors: number, scale: CellScale): string {
  if (errors > 0) return rgbHex(mix(ERROR_RAMP, logShare(errors, scale.maxErrors)));
  return rgbHex(mix(BLUE_RAMP, logShare(hits, scale.maxHits)));
}

/** 0..1: where `n` sits between 1 and `max` on a log scale. */
function logShare(n: number, max: number): number {
  if (max <= 1 || n >= max) return n >= 1 ? 1 : 0;
  if (n <= 1) return 0;
  return Math.log(n) / Math.log(max);
}

function mix([a, b]: readonly [Rgb, Rgb], t: number): Rgb {
  const at = (i: number) => Math.round(a[i] + (b[i] - a[i]) * t);
  return [at(0), at(1), at(2)];
}

function rgbHex(rgb: Rgb): string {
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** The CSS gradient of a ramp, for the legend. */
export function rampGradient([a, b]: readonly [Rgb, Rgb]): string {
  return `linear-gradient(to right, ${rgbHex(a)}, ${rgbHex(b)})`;
}
