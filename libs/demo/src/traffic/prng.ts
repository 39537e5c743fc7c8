// Small seeded PRNG (mulberry32) plus the few distributions the scenario table needs.
// Everything random in a planned transaction comes from here, so a seed fixes the whole plan.

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [min, max] (both inclusive) */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** log-normal sample with the given median; sigma is the spread of ln(x) */
  logNormal(median: number, sigma: number): number;
  hex(length: number): string;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    logNormal: (median, sigma) => {
      // Box-Muller; 1 - next() keeps the log argument in (0, 1].
      const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return median * Math.exp(sigma * z);
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) out += int(0, 0xffff).toString(16).padStart(4, '0');
      return out.slice(0, length);
    },
  };
}
