import { COLUMN_GAP, layoutMap, ROW_GAP, type MapNodeRef } from './layout';

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
});
