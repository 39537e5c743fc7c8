import { arrowCurveness, clearance, COLUMN_GAP, layoutMap, ROW_GAP, type MapNodeRef, type Placed } from './layout';

const svc = (name: string): MapNodeRef => ({ id: `service:${name}`, kind: 'service', name });
const db = (name: string): MapNodeRef => ({ id: `database:postgresql:${name}`, kind: 'database', name });
const edge = (a: MapNodeRef, b: MapNodeRef) => ({ source: a.id, target: b.id });

describe('layoutMap', () => {
  const storefront = svc('storefront');
  const catalog = svc('catalog');
  const inventory = svc('inventory');
  const pg = db('127.0.0.1:5432');
  const maria = { id: 'database:mysql:127.0.0.1:3306', kind: 'database' as const, name: '127.0.0.1:3306' };
  const nodes = [pg, inventory, maria, storefront, catalog];
  const edges = [
    edge(storefront, catalog),
    edge(storefront, inventory),
    edge(catalog, pg),
    edge(inventory, pg),
    edge(storefront, maria),
    edge(catalog, inventory),
  ];

  it('puts callers left of what they call, each node right after its deepest caller, services above leaves', () => {
    const at = layoutMap(nodes, edges);
    expect(at.get(storefront.id)!.column).toBe(0);
    expect(at.get(catalog.id)!.column).toBe(1);
    // inventory is called by storefront (depth 1) and by catalog (depth 2): the longest path wins.
    expect(at.get(inventory.id)!.column).toBe(2);
    expect(at.get(pg.id)!.column).toBe(3);
    expect(at.get(pg.id)!.x).toBe(3 * COLUMN_GAP);
    // MariaDB, called only from storefront, sits next to it, under catalog.
    expect(at.get(maria.id)!.column).toBe(1);
    expect(at.get(maria.id)!.y - at.get(catalog.id)!.y).toBe(ROW_GAP);
  });

  it('gives the same positions whatever order the nodes and edges come in', () => {
    const a = layoutMap(nodes, edges);
    const b = layoutMap([...nodes].reverse(), [...edges].reverse());
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
  });

  it('orders a column by the height of its callers, so arrows between neighbouring columns do not cross', () => {
    // a-front calls z-api, b-front calls y-api; each api has its own database. Ordered by name,
    // columns 1 and 2 would be [y-api, z-api] and [db-y, db-z]: every arrow crossing another.
    const aFront = svc('a-front');
    const bFront = svc('b-front');
    const zApi = svc('z-api');
    const yApi = svc('y-api');
    const dbZ = db('db-z');
    const dbY = db('db-y');
    const at = layoutMap([aFront, bFront, zApi, yApi, dbZ, dbY], [edge(aFront, zApi), edge(bFront, yApi), edge(zApi, dbZ), edge(yApi, dbY)]);
    const y = (n: MapNodeRef) => at.get(n.id)!.y;
    expect(y(aFront)).toBeLessThan(y(bFront)); // column 0: by name
    expect(y(zApi)).toBeLessThan(y(yApi)); // column 1: as its callers
    expect(y(dbZ)).toBeLessThan(y(dbY)); // column 2: as its callers
  });

  it('survives cycles, self calls and edges to unknown nodes', () => {
    const a = svc('a');
    const b = svc('b');
    const at = layoutMap([a, b], [edge(a, b), edge(b, a), edge(a, a), { source: a.id, target: 'service:gone' }]);
    expect(new Set([at.get(a.id)!.column, at.get(b.id)!.column]).size).toBe(2);
    expect(layoutMap([], [])).toEqual(new Map());
  });

  describe('arrowCurveness', () => {
    const at = (column: number, row: number): Placed => ({ x: column * COLUMN_GAP, y: row * ROW_GAP, column });
    const key = (a: MapNodeRef, b: MapNodeRef) => `${a.id}\u0000${b.id}`;

    it('draws an arrow straight when nothing is in its way, and bends one that would run through a node', () => {
      const [a, b, c] = [svc('a'), svc('b'), svc('c')];
      const free = arrowCurveness(
        [edge(a, c)],
        new Map([
          [a.id, at(0, 0)],
          [b.id, at(1, 1)],
          [c.id, at(2, 0)],
        ]),
      );
      expect(free.get(key(a, c))).toBe(0);
      const blocked = new Map([
        [a.id, at(0, 0)],
        [b.id, at(1, 0)],
        [c.id, at(2, 0)],
      ]);
      const bend = arrowCurveness([edge(a, c)], blocked).get(key(a, c))!;
      expect(bend).not.toBe(0);
      expect(clearance(at(0, 0), at(2, 0), bend, [at(1, 0)])).toBeGreaterThanOrEqual(0);
    });

    it('does not bend into a node either: the fixed 0.2 it replaced ran through one sitting above the middle', () => {
      const [a, b, c] = [svc('a'), svc('b'), svc('c')];
      // 0.2 × 480 lifts the control point 96 above the line: the curve peaks 48 above it.
      const above: Placed = { x: COLUMN_GAP, y: -48, column: 1 };
      expect(clearance(at(0, 0), at(2, 0), 0.2, [above])).toBeLessThan(0);
      const bend = arrowCurveness(
        [edge(a, c)],
        new Map([
          [a.id, at(0, 0)],
          [b.id, above],
          [c.id, at(2, 0)],
        ]),
      ).get(key(a, c))!;
      expect(clearance(at(0, 0), at(2, 0), bend, [above])).toBeGreaterThanOrEqual(0);
    });

    it('keeps arrows both ways between two nodes apart (one sign bends them to opposite sides)', () => {
      const [a, b] = [svc('a'), svc('b')];
      const bends = arrowCurveness(
        [edge(a, b), edge(b, a)],
        new Map([
          [a.id, at(0, 0)],
          [b.id, at(1, 0)],
        ]),
      );
      expect(bends.get(key(a, b))).toBe(0.2);
      expect(bends.get(key(b, a))).toBe(0.2);
    });

    it('on a laid-out map with arrows over several columns, no arrow runs through a node it does not join', () => {
      // A gateway calling every tier directly, tiers calling the next, two nodes per column.
      const tiers = [0, 1, 2, 3, 4].map((i) => [svc(`t${i}-a`), svc(`t${i}-b`)]);
      const es = tiers
        .slice(1)
        .flatMap((tier, i) => [edge(tiers[i][0], tier[0]), edge(tiers[i][1], tier[1]), edge(tiers[0][0], tier[1]), edge(tiers[0][1], tier[0])]);
      const placed = layoutMap(tiers.flat(), es);
      const bends = arrowCurveness(es, placed);
      const skipping = es.filter((e) => Math.abs(placed.get(e.target)!.column - placed.get(e.source)!.column) > 1);
      expect(skipping.length).toBeGreaterThan(3);
      for (const e of es) {
        const others = [...placed.entries()].filter(([id]) => id !== e.source && id !== e.target).map(([, p]) => p);
        expect({ e, room: clearance(placed.get(e.source)!, placed.get(e.target)!, bends.get(`${e.source}\u0000${e.target}`)!, others) >= 0 }).toEqual({
          e,
          room: true,
        });
      }
    });
  });
});
