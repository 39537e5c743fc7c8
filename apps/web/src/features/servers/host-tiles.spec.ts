import type { HostSummaryDto } from '@meridian/api-contract';
import { groupHosts, sortHosts, tileAt, tileColour, tileGrid, tileSize } from './host-tiles';

function host(name: string, patch: Partial<HostSummaryDto> = {}): HostSummaryDto {
  return {
    host: name,
    lastSeen: '2026-12-07T00:00:00.000Z',
    down: false,
    cpu: null,
    memory: null,
    disk: null,
    networkBytesPerSec: null,
    load1: null,
    group: '',
    ...patch,
  };
}

describe('servers tiles and list', () => {
  const hosts = [
    host('b', { cpu: 0.2, group: 'prod', lastSeen: '2026-12-07T00:02:00.000Z' }),
    host('a', { cpu: 0.95, group: 'prod' }),
    host('c', { down: true, group: '' }),
    host('d', { cpu: 0.6, group: 'dev', lastSeen: '2026-12-07T00:01:00.000Z' }),
  ];

  it('sorts by a figure either way, hosts without it last; by name and by last seen', () => {
    expect(sortHosts(hosts, 'cpu', 'desc').map((h) => h.host)).toEqual(['a', 'd', 'b', 'c']);
    expect(sortHosts(hosts, 'cpu', 'asc').map((h) => h.host)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortHosts(hosts, 'host', 'asc').map((h) => h.host)).toEqual(['a', 'b', 'c', 'd']);
    expect(sortHosts(hosts, 'lastSeen', 'desc').map((h) => h.host)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('groups by the attribute value (hosts without it last), busiest first, counting down hosts', () => {
    const groups = groupHosts(hosts, 'cpu');
    expect(groups.map((g) => [g.key, g.hosts.map((h) => h.host), g.down])).toEqual([
      ['dev', ['d'], 0],
      ['prod', ['a', 'b'], 0],
      ['', ['c'], 1],
    ]);
  });

  it('colours by use band, down and unreported apart', () => {
    expect(tileColour(hosts[1], 'cpu')).toBe('#c62828');
    expect(tileColour(hosts[0], 'cpu')).toBe('#2e7d32');
    expect(tileColour(hosts[3], 'cpu')).toBe('#f9a825');
    expect(tileColour(hosts[2], 'cpu')).toBe('#424242');
    expect(tileColour(hosts[0], 'memory')).toBe('#9e9e9e');
  });

  it('lays 10,000 tiles in small squares and finds the tile under a point', () => {
    const size = tileSize(10_000);
    expect(size).toBe(8);
    const { columns, height } = tileGrid(10_000, 500, size);
    expect(columns).toBe(50);
    expect(height).toBe(200 * 10);
    expect(tileAt(0, 0, 10_000, columns, size)).toBe(0);
    expect(tileAt(10 * 3 + 1, 10 * 2 + 1, 10_000, columns, size)).toBe(2 * 50 + 3);
    expect(tileAt(9, 0, 10_000, columns, size)).toBe(-1); // the gap between tiles
    expect(tileAt(1, 10 * 200 + 1, 10_000, columns, size)).toBe(-1); // past the last row
  });
});
