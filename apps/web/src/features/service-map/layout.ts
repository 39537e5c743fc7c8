/**
 * Where each node of the service map goes: callers left of what they call, in columns by call
 * depth (a node's deepest caller + 1), services above databases and external hosts in a column,
 * each kind ordered by the mean height of its callers (then by name). The positions
 * depend only on the nodes and edges (sorted by kind and name), never on the order the API
 * answered or on a simulation, so a refresh with the same topology draws the same picture.
 */
export interface MapNodeRef {
  id: string;
  kind: 'service' | 'database' | 'external';
  name: string;
}
export interface MapEdgeRef {
  source: string;
  target: string;
}
export interface Placed {
  x: number;
  y: number;
  column: number;
}

export const COLUMN_GAP = 240;
export const ROW_GAP = 110;

const KIND_ORDER = { service: 0, database: 1, external: 2 } as const;

export function layoutMap(nodes: readonly MapNodeRef[], edges: readonly MapEdgeRef[]): Map<string, Placed> {
  const ids = new Set(nodes.map((n) => n.id));
  const callers = new Map<string, string[]>();
  for (const e of edges) {
    if (e.source === e.target || !ids.has(e.source) || !ids.has(e.target)) continue;
    callers.set(e.target, [...(callers.get(e.target) ?? []), e.source]);
  }
  // Longest call path from a node nobody calls; a cycle is cut where the walk meets itself.
  const depth = new Map<string, number>();
  const walking = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (walking.has(id)) return 0;
    walking.add(id);
    const d = Math.max(-1, ...(callers.get(id) ?? []).map(depthOf)) + 1;
    walking.delete(id);
    depth.set(id, d);
    return d;
  };
  const kinds = new Map(nodes.map((n) => [n.id, n.kind]));
  const sorted = [...nodes].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const columns = new Map<number, string[]>();
  for (const n of sorted) {
    // A leaf sits right after its deepest caller (not all in a last column: an arrow from the
    // first column to the last would run straight through the nodes between).
    const column = depthOf(n.id);
    columns.set(column, [...(columns.get(column) ?? []), n.id]);
  }
  const tallest = Math.max(0, ...[...columns.values()].map((c) => c.length));
  const placed = new Map<string, Placed>();
  for (const column of [...columns.keys()].sort((a, b) => a - b)) {
    // Within its kind, a node sits at the mean height of its callers already placed (to its
    // left), so arrows between neighbouring columns do not cross where an order by name would.
    const height = (id: string): number => {
      const ys = (callers.get(id) ?? []).flatMap((c) => placed.get(c)?.y ?? []);
      return ys.length === 0 ? Infinity : ys.reduce((a, b) => a + b, 0) / ys.length;
    };
    const members = columns.get(column)!.map((id, order) => ({ id, order, kind: KIND_ORDER[kinds.get(id)!], height: height(id) }));
    members.sort((a, b) => a.kind - b.kind || (a.height === b.height ? 0 : a.height - b.height) || a.order - b.order);
    // Each column centred on the tallest one.
    const offset = ((tallest - members.length) * ROW_GAP) / 2;
    members.forEach(({ id }, row) => placed.set(id, { x: column * COLUMN_GAP, y: offset + row * ROW_GAP, column }));
  }
  return placed;
}

/** How far (map units) an arrow keeps from a node it does not join: the symbol, and its label below. */
const CLEAR_X = 32;
const CLEAR_ABOVE = 32;
const CLEAR_BELOW = 48;
/** Bends tried, smallest first, each to both sides (echarts' graph `lineStyle.curveness`). */
const BENDS = [0, 0.15, 0.3, 0.45, 0.6, 0.8];
/** Arrows both ways between two nodes bend by at least this, each to its own side. */
const PAIR_BEND = 0.2;

/**
 * The curveness of each arrow (keyed `source\0target`): the smallest bend whose curve passes
 * clear of every other node, so an arrow that skips columns never runs through a node between.
 * Arrows both ways between two nodes keep one sign, which bends them apart; self calls are left
 * to the chart. When no bend clears, the one that keeps farthest from the nodes is taken.
 */
export function arrowCurveness(edges: readonly MapEdgeRef[], placed: ReadonlyMap<string, Placed>): Map<string, number> {
  const pairs = new Set(edges.map((e) => `${e.source}\u0000${e.target}`));
  const out = new Map<string, number>();
  for (const e of edges) {
    const from = placed.get(e.source);
    const to = placed.get(e.target);
    if (!from || !to || e.source === e.target) continue;
    const others = [...placed.entries()].filter(([id]) => id !== e.source && id !== e.target).map(([, p]) => p);
    const paired = pairs.has(`${e.target}\u0000${e.source}`);
    const bends = paired ? [PAIR_BEND, ...BENDS.filter((b) => b > PAIR_BEND)] : BENDS.flatMap((b) => (b === 0 ? [0] : [b, -b]));
    let best = { bend: paired ? PAIR_BEND : 0, room: -Infinity };
    for (const bend of bends) {
      const room = clearance(from, to, bend, others);
      if (room >= 0) {
        best = { bend, room };
        break;
      }
      if (room > best.room) best = { bend, room };
    }
    out.set(`${e.source}\u0000${e.target}`, best.bend);
  }
  return out;
}

/**
 * How much room the arrow's curve leaves around the nearest other node: ≥ 0 when it passes clear
 * of them all. The curve is echarts' quadratic one, its control point at the midpoint moved by
 * curveness × (y2 − y1, x1 − x2).
 */
export function clearance(from: Placed, to: Placed, curveness: number, others: readonly Placed[]): number {
  const cx = (from.x + to.x) / 2 + (to.y - from.y) * curveness;
  const cy = (from.y + to.y) / 2 + (from.x - to.x) * curveness;
  let room = Infinity;
  for (let i = 1; i < 64; i++) {
    const t = i / 64;
    const x = (1 - t) * (1 - t) * from.x + 2 * t * (1 - t) * cx + t * t * to.x;
    const y = (1 - t) * (1 - t) * from.y + 2 * t * (1 - t) * cy + t * t * to.y;
    for (const n of others) {
      const dx = Math.abs(x - n.x) - CLEAR_X;
      const dy = y < n.y ? n.y - y - CLEAR_ABOVE : y - n.y - CLEAR_BELOW;
      room = Math.min(room, Math.max(dx, dy));
    }
  }
  return room;
}
