import { DB_HEALTH_METRICS, healthLevel, type DbHealthMetric, type DbInstanceHealthDto, type HealthLevel } from '@meridian/api-contract';

export const HEALTH_METRICS = Object.keys(DB_HEALTH_METRICS) as DbHealthMetric[];
export type GroupBy = 'system' | 'cluster';

/** Ratios are shown (and their thresholds typed) as percentages. */
const PERCENT: ReadonlySet<DbHealthMetric> = new Set(['errorRate', 'connectionUse']);

/** The figure as shown for a metric: percentages for ratios; null when the instance has none. */
export function displayValue(instance: DbInstanceHealthDto, metric: DbHealthMetric): number | null {
  const v = instance[metric];
  if (v === null || !Number.isFinite(v)) return null;
  return PERCENT.has(metric) ? v * 100 : v;
}

/** Default warning/critical thresholds in display units. */
export function defaultThresholds(metric: DbHealthMetric): { warning: number; critical: number } {
  const t = DB_HEALTH_METRICS[metric];
  return PERCENT.has(metric) ? { warning: t.warning * 100, critical: t.critical * 100 } : { ...t };
}

/** Level of an instance for a metric with thresholds in display units. */
export function levelOf(instance: DbInstanceHealthDto, metric: DbHealthMetric, thresholds: { warning: number; critical: number }): HealthLevel {
  const scale = PERCENT.has(metric) ? 100 : 1;
  return healthLevel(instance, metric, { warning: thresholds.warning / scale, critical: thresholds.critical / scale });
}

export interface InstanceGroup {
  key: string;
  /** '' for instances without a cluster when grouping by cluster. */
  label: string;
  instances: DbInstanceHealthDto[];
}

/** Instances grouped by system (postgresql, mysql…) or cluster, groups and members sorted by name. */
export function groupInstances(instances: readonly DbInstanceHealthDto[], by: GroupBy): InstanceGroup[] {
  const groups = new Map<string, DbInstanceHealthDto[]>();
  for (const i of instances) {
    const key = by === 'system' ? i.system || 'unknown' : i.cluster;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
    .map(([key, members]) => ({ key, label: key, instances: members.sort((a, b) => a.name.localeCompare(b.name) || a.instance.localeCompare(b.instance)) }));
}

export interface PlacedHex {
  instance: DbInstanceHealthDto;
  cx: number;
  cy: number;
}

export interface HoneycombLayout {
  width: number;
  height: number;
  groups: Array<{ label: string; key: string; x: number; y: number; hexes: PlacedHex[] }>;
}

const LABEL_HEIGHT = 22;
const GROUP_GAP = 18;

/**
 * Pointy-top hexagons of radius `r`, `columns` per row with odd rows shifted half a hexagon
 * (a honeycomb), one block per group stacked vertically under its label.
 */
export function layoutHoneycomb(groups: readonly InstanceGroup[], r: number, columns: number): HoneycombLayout {
  const w = Math.sqrt(3) * r;
  const cols = Math.max(1, columns);
  let y = 0;
  let width = 0;
  const placed: HoneycombLayout['groups'] = [];
  for (const g of groups) {
    const top = y + LABEL_HEIGHT;
    const hexes = g.instances.map((instance, i) => {
      const row = Math.floor(i / cols);
      const col = i % cols;
      return { instance, cx: w / 2 + col * w + (row % 2) * (w / 2), cy: top + r + row * 1.5 * r };
    });
    const rows = Math.ceil(g.instances.length / cols);
    width = Math.max(width, Math.min(g.instances.length, cols) * w + (rows > 1 ? w / 2 : 0));
    placed.push({ label: g.label, key: g.key, x: 0, y, hexes });
    y = top + (rows > 0 ? 2 * r + (rows - 1) * 1.5 * r : 0) + GROUP_GAP;
  }
  return { width: Math.ceil(width), height: Math.ceil(Math.max(0, y - GROUP_GAP)), groups: placed };
}

/** SVG polygon points of a pointy-top hexagon. */
export function hexPoints(cx: number, cy: number, r: number): string {
  const pts: string[] = [];
  for (let k = 0; k < 6; k++) {
    const a = (Math.PI / 180) * (60 * k - 90);
    pts.push(`${(cx + r * Math.cos(a)).toFixed(1)},${(cy + r * Math.sin(a)).toFixed(1)}`);
  }
  return pts.join(' ');
}

/**
 * An instance's name inside its hexagon: at most two lines of `maxChars`, broken after `-`, `.`,
 * `:` or `_` where possible, an ellipsis at the end when it still does not fit (the hover card
 * and the tooltip have the whole name). Never cut at the front: the start is what tells names apart.
 */
export function hexLabel(name: string, maxChars: number): string[] {
  if (name.length <= maxChars) return [name];
  const tokens = name.match(/[^-.:_/]+[-.:_/]*|[-.:_/]+/g) ?? [name];
  let first = '';
  let i = 0;
  while (i < tokens.length && (first + tokens[i]).length <= maxChars) first += tokens[i++];
  // One long first token: cut it hard.
  if (first === '') return [name.slice(0, maxChars), clip(name.slice(maxChars), maxChars)];
  return [first, clip(tokens.slice(i).join(''), maxChars)];
}

function clip(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
