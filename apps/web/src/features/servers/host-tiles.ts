import type { HostSummaryDto } from '@meridian/api-contract';

export const COLOUR_METRICS = ['cpu', 'memory', 'disk'] as const;
export type ColourMetric = (typeof COLOUR_METRICS)[number];
export const SORT_KEYS = ['host', 'cpu', 'memory', 'disk', 'network', 'load', 'lastSeen'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

const figure: Record<Exclude<SortKey, 'host' | 'lastSeen'>, (h: HostSummaryDto) => number | null> = {
  cpu: (h) => h.cpu,
  memory: (h) => h.memory,
  disk: (h) => h.disk,
  network: (h) => h.networkBytesPerSec,
  load: (h) => h.load1,
};

/** Hosts in list order; hosts without the figure (down, not reported) always last, then by name. */
export function sortHosts(hosts: readonly HostSummaryDto[], key: SortKey, dir: SortDir): HostSummaryDto[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: HostSummaryDto, b: HostSummaryDto) => a.host.localeCompare(b.host);
  if (key === 'host') return [...hosts].sort((a, b) => sign * byName(a, b));
  if (key === 'lastSeen') return [...hosts].sort((a, b) => sign * (Date.parse(a.lastSeen) - Date.parse(b.lastSeen)) || byName(a, b));
  const value = figure[key];
  return [...hosts].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? byName(a, b) : va === null ? 1 : -1;
    return sign * (va - vb) || byName(a, b);
  });
}

export interface HostGroup {
  /** The group attribute's value; '' when hosts do not carry it. */
  key: string;
  hosts: HostSummaryDto[];
  down: number;
}

/** Hosts by group value (hosts without it last), busiest on the colour metric first within a group so hot spots lead. */
export function groupHosts(hosts: readonly HostSummaryDto[], colour: ColourMetric): HostGroup[] {
  const groups = new Map<string, HostSummaryDto[]>();
  for (const h of hosts) groups.set(h.group, [...(groups.get(h.group) ?? []), h]);
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
    .map(([key, members]) => ({ key, hosts: sortHosts(members, colour, 'desc'), down: members.filter((h) => h.down).length }));
}

/** Tile fill: grey when down, light grey when not reported, else green → amber → red with use. */
export function tileColour(h: HostSummaryDto, colour: ColourMetric): string {
  if (h.down) return '#424242';
  const v = h[colour];
  if (v === null) return '#9e9e9e';
  if (v >= 0.9) return '#c62828';
  if (v >= 0.75) return '#ef6c00';
  if (v >= 0.5) return '#f9a825';
  return '#2e7d32';
}

export const TILE_BANDS = [
  { label: '< 50 %', colour: '#2e7d32' },
  { label: '50–75 %', colour: '#f9a825' },
  { label: '75–90 %', colour: '#ef6c00' },
  { label: '≥ 90 %', colour: '#c62828' },
] as const;

/** Tile edge in CSS pixels: smaller tiles for large fleets so 10,000 hosts fit a few screens. */
export function tileSize(count: number): number {
  return count > 2000 ? 8 : count > 300 ? 12 : 18;
}

/** Columns of tiles that fit `width`, and the canvas height for `count` tiles. */
export function tileGrid(count: number, width: number, size: number): { columns: number; height: number } {
  const columns = Math.max(1, Math.floor(width / (size + 2)));
  return { columns, height: Math.ceil(count / columns) * (size + 2) };
}

/** The tile index under a point of a group's canvas, or -1 between or past tiles. */
export function tileAt(x: number, y: number, count: number, columns: number, size: number): number {
  const col = Math.floor(x / (size + 2));
  const row = Math.floor(y / (size + 2));
  if (col < 0 || col >= columns || row < 0 || x - col * (size + 2) > size || y - row * (size + 2) > size) return -1;
  const i = row * columns + col;
  return i < count ? i : -1;
}
