import type { DbInstanceHealthDto } from '@meridian/api-contract';
import { defaultThresholds, displayValue, groupInstances, hexLabel, hexPoints, layoutHoneycomb, levelOf } from './honeycomb';

function inst(instance: string, patch: Partial<DbInstanceHealthDto> = {}): DbInstanceHealthDto {
  return {
    instance,
    name: instance,
    system: 'postgresql',
    cluster: '',
    up: true,
    lastSeen: null,
    activeSessions: null,
    lockWaits: null,
    connections: null,
    maxConnections: null,
    connectionUse: null,
    calls: 0,
    errorRate: null,
    queryP95Ms: null,
    callsPerMin: 0,
    ...patch,
  };
}

describe('honeycomb', () => {
  it('levels an instance by the chosen metric and thresholds; down beats any figure, a missing figure is unknown', () => {
    const t = defaultThresholds('activeSessions');
    expect(levelOf(inst('a', { activeSessions: 3 }), 'activeSessions', t)).toBe('ok');
    expect(levelOf(inst('a', { activeSessions: 10 }), 'activeSessions', t)).toBe('warning');
    expect(levelOf(inst('a', { activeSessions: 40 }), 'activeSessions', t)).toBe('critical');
    expect(levelOf(inst('a', { activeSessions: 40, up: false }), 'activeSessions', t)).toBe('down');
    expect(levelOf(inst('a'), 'activeSessions', t)).toBe('unknown');
    // Ratios are typed and shown in percent.
    expect(defaultThresholds('errorRate')).toEqual({ warning: 1, critical: 5 });
    expect(displayValue(inst('a', { errorRate: 0.02 }), 'errorRate')).toBeCloseTo(2);
    expect(levelOf(inst('a', { errorRate: 0.02 }), 'errorRate', { warning: 1, critical: 5 })).toBe('warning');
    expect(levelOf(inst('a', { errorRate: 0.02 }), 'errorRate', { warning: 1, critical: 2 })).toBe('critical');
  });

  it('groups by system or cluster (no cluster last), members by name', () => {
    const list = [inst('m1', { system: 'mysql', cluster: 'shop' }), inst('p2', { cluster: 'orders' }), inst('p1', { cluster: 'orders' }), inst('p3')];
    expect(groupInstances(list, 'system').map((g) => [g.label, g.instances.map((i) => i.instance)])).toEqual([
      ['mysql', ['m1']],
      ['postgresql', ['p1', 'p2', 'p3']],
    ]);
    expect(groupInstances(list, 'cluster').map((g) => g.label)).toEqual(['orders', 'shop', '']);
  });

  it('lays out one hexagon per instance in offset rows, groups stacked without overlap', () => {
    const groups = groupInstances([...'abcdefg'].map((x) => inst(x)).concat(inst('z', { system: 'mysql' })), 'system');
    const layout = layoutHoneycomb(groups, 10, 3);
    const hexes = layout.groups.flatMap((g) => g.hexes);
    expect(hexes).toHaveLength(8);
    const w = Math.sqrt(3) * 10;
    const pg = layout.groups[1].hexes;
    expect(pg[1].cx - pg[0].cx).toBeCloseTo(w); // neighbours in a row touch
    expect(pg[3].cx - pg[0].cx).toBeCloseTo(w / 2); // the next row is shifted half a hexagon
    expect(pg[3].cy - pg[0].cy).toBeCloseTo(15);
    // Centers are at least one hexagon width apart: nothing overlaps.
    for (const a of hexes) for (const b of hexes) if (a !== b) expect(Math.hypot(a.cx - b.cx, a.cy - b.cy)).toBeGreaterThanOrEqual(w - 1e-6);
    expect(layout.groups[1].y).toBeGreaterThan(layout.groups[0].hexes[0].cy + 10);
    expect(hexPoints(0, 0, 10).split(' ')).toEqual(['0.0,-10.0', '8.7,-5.0', '8.7,5.0', '0.0,10.0', '-8.7,5.0', '-8.7,-5.0']);
  });

  it('fits names inside the hexagon on up to two lines, breaking after separators and never cutting the start', () => {
    expect(hexLabel('demo-mariadb', 11)).toEqual(['demo-', 'mariadb']);
    expect(hexLabel('demo-postgresql', 11)).toEqual(['demo-', 'postgresql']);
    expect(hexLabel('pg-1', 11)).toEqual(['pg-1']);
    expect(hexLabel('orders-db.internal:5432', 11)).toEqual(['orders-db.', 'internal:5…']);
    expect(hexLabel('averyveryverylongname', 11)).toEqual(['averyveryve', 'rylongname']);
    expect(hexLabel('averyveryverylongername', 11)).toEqual(['averyveryve', 'rylongerna…']);
    for (const name of ['demo-postgresql', 'payments-db.internal:5432', 'x'.repeat(40)]) {
      const lines = hexLabel(name, 11);
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(11);
      expect(name.startsWith(lines[0])).toBe(true);
    }
  });
});
