import { nanosToDateTime64, type MetricPointRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { makeMetricPointRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';
import { HostQueries } from './host.queries';

const MS = 1_000_000n;
const MIN = 60_000;
// Whole minutes, 30 minutes ago: scrapes at minute + 10 s, one a minute (the receiver's default interval).
const BASE_MS = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
const T = 'hosts-t';

interface Scrape {
  host: string;
  minute: number;
  /** CPU seconds per state accumulated since boot (two cpus, split evenly). */
  cpu: Record<string, number>;
  memUsed: number;
  memFree: number;
  fsUsed: number;
  fsFree: number;
  /** Bytes received + sent since boot (half each), plus loopback traffic that must not count. */
  net: number;
  load: number;
  env: string;
  tenant?: string;
  processes?: Array<{ pid: string; exe: string; cpuSeconds: number; memBytes: number }>;
}

/** One scrape as the hostmetrics receiver exports it: one resource per scraper, cumulative sums, per-cpu and per-device points. */
function scrape(s: Scrape): MetricPointRow[] {
  const resource = { 'host.name': s.host, 'os.type': 'linux', 'deployment.environment': s.env };
  const ts = nanosToDateTime64(BigInt(BASE_MS + s.minute * MIN + 10_000) * MS);
  const point = (name: string, value: number, attributes: Record<string, string>, res: Record<string, string> = resource, sum = true): MetricPointRow =>
    makeMetricPointRow({
      tenant_id: s.tenant ?? T,
      ts,
      metric_name: name,
      metric_type: sum ? 'SUM' : 'GAUGE',
      temporality: sum ? 'CUMULATIVE' : 'UNSPECIFIED',
      service: 'unknown_service',
      host_name: s.host,
      resource_attributes: res,
      attributes,
      value,
    });
  const rows: MetricPointRow[] = [];
  for (const cpu of ['cpu0', 'cpu1']) for (const [state, v] of Object.entries(s.cpu)) rows.push(point('system.cpu.time', v / 2, { cpu, state }));
  rows.push(point('system.memory.usage', s.memUsed, { state: 'used' }), point('system.memory.usage', s.memFree, { state: 'free' }));
  rows.push(point('system.memory.usage', 1e9, { state: 'slab_reclaimable' }));
  const fs = { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw' };
  rows.push(point('system.filesystem.usage', s.fsUsed, { ...fs, state: 'used' }), point('system.filesystem.usage', s.fsFree, { ...fs, state: 'free' }));
  // Blocks reserved for root: part of the size, not of the use (as df and the receiver's utilization count it).
  rows.push(point('system.filesystem.usage', 5e9, { ...fs, state: 'reserved' }));
  for (const direction of ['receive', 'transmit']) {
    rows.push(point('system.network.io', s.net / 2, { device: 'eth0', direction }), point('system.network.io', 1e12, { device: 'lo', direction }));
  }
  rows.push(point('system.cpu.load_average.1m', s.load, {}, resource, false));
  for (const p of s.processes ?? []) {
    const res = { ...resource, 'process.pid': p.pid, 'process.executable.name': p.exe, 'process.command_line': `${p.exe} --serve` };
    rows.push(point('process.cpu.time', p.cpuSeconds * 0.75, { state: 'user' }, res), point('process.cpu.time', p.cpuSeconds * 0.25, { state: 'system' }, res));
    rows.push(point('process.memory.usage', p.memBytes, {}, res));
  }
  return rows;
}

/** web-1 busy (50 % CPU), db-1 idle (10 %), old-1 stopped reporting 20 minutes before the end. */
function fleet(): MetricPointRow[] {
  const rows: MetricPointRow[] = [];
  for (let m = 0; m < 30; m++) {
    rows.push(
      ...scrape({
        host: 'web-1',
        minute: m,
        // Per minute: 120 CPU seconds over two cpus, 60 of them idle → 50 % busy.
        cpu: { user: 1000 + 50 * m, system: 500 + 10 * m, idle: 5000 + 60 * m },
        memUsed: 6e9,
        memFree: 2e9,
        fsUsed: 30e9,
        fsFree: 70e9,
        net: 1e9 + 600_000 * m, // 10 kB/s
        load: 2.5,
        env: 'production',
        processes: [
          { pid: '42', exe: 'node', cpuSeconds: 100 + 30 * m, memBytes: 500e6 }, // 0.5 core
          { pid: '7', exe: 'java', cpuSeconds: 100 + 6 * m, memBytes: 2e9 }, // 0.1 core, most memory
        ],
      }),
      ...scrape({
        host: 'db-1',
        minute: m,
        cpu: { user: 100 + 12 * m, idle: 5000 + 108 * m },
        memUsed: 2e9,
        memFree: 6e9,
        fsUsed: 90e9,
        fsFree: 10e9,
        net: 5e8,
        load: 0.3,
        env: 'staging',
      }),
    );
    if (m < 10) {
      rows.push(
        ...scrape({
          host: 'old-1',
          minute: m,
          cpu: { user: 10 * m, idle: 100 * m },
          memUsed: 1,
          memFree: 1,
          fsUsed: 1,
          fsFree: 1,
          net: 0,
          load: 0,
          env: 'production',
        }),
      );
    }
  }
  // Another tenant's host of the same name: never visible.
  rows.push(
    ...scrape({
      host: 'web-1',
      minute: 29,
      cpu: { user: 1, idle: 1 },
      memUsed: 1,
      memFree: 0,
      fsUsed: 1,
      fsFree: 0,
      net: 0,
      load: 99,
      env: 'other',
      tenant: 'other-t',
    }),
  );
  return rows;
}

describe('HostQueries', () => {
  let ch: TestClickHouse;
  let q: HostQueries;
  const window = { from: new Date(BASE_MS - 5 * MIN), to: new Date(BASE_MS + 30 * MIN) };

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new HostQueries(ch.clients);
    const writer = new RowWriter(ch.clients);
    // Insert minute by minute, as exporters do: rates must come from deltas across inserts.
    const rows = fleet();
    const byMinute = new Map<string, MetricPointRow[]>();
    for (const r of rows) byMinute.set(r.ts, [...(byMinute.get(r.ts) ?? []), r]);
    let i = 0;
    for (const batch of byMinute.values()) await writer.insert('eu', 'metric_points', toRowBody('metric_points', batch), `hosts-${i++}`);
    const span = makeSpanRow({ tenant_id: T, service: 'checkout', host_name: 'web-1', startNanos: BigInt(BASE_MS + 20 * MIN) * MS, durationMs: 5 });
    const elsewhere = makeSpanRow({ tenant_id: T, service: 'billing', host_name: 'db-1', startNanos: BigInt(BASE_MS + 20 * MIN) * MS, durationMs: 5 });
    await writer.insert('eu', 'spans', toRowBody('spans', [span, elsewhere]), 'hosts-spans');
  }, 120_000);
  afterAll(() => ch?.close());

  it('lists every host with CPU from cumulative time deltas, memory, disk, network and load; down when silent', async () => {
    const r = await q.hosts('eu', T, { ...window, groupBy: 'deployment.environment' });
    expect(r.hosts.map((h) => h.host)).toEqual(['db-1', 'old-1', 'web-1']);
    const [db, old, web] = r.hosts;
    expect(web.down).toBe(false);
    expect(web.cpu).toBeCloseTo(0.5, 5);
    expect(web.memory).toBeCloseTo(0.75, 5); // slab_* states are not part of the total
    expect(web.disk).toBeCloseTo(0.3, 5);
    expect(web.networkBytesPerSec).toBeCloseTo(10_000, 3); // loopback left out
    expect(web.load1).toBeCloseTo(2.5, 5);
    expect(web.group).toBe('production');
    expect(db.cpu).toBeCloseTo(0.1, 5);
    expect(db.disk).toBeCloseTo(0.9, 5);
    expect(db.networkBytesPerSec).toBe(0);
    expect(db.group).toBe('staging');
    expect(old.down).toBe(true);
    expect(old.cpu).toBeNull();
    expect(Date.parse(old.lastSeen)).toBe(BASE_MS + 9 * MIN + 10_000);
    expect(r.attributeKeys).toEqual(['deployment.environment', 'host.name', 'os.type']);
    expect(r.truncated).toBe(false);

    const longer = await q.hosts('eu', T, { ...window, downAfterMinutes: 30 });
    expect(longer.hosts.find((h) => h.host === 'old-1')!.down).toBe(false);
    const one = await q.hosts('eu', T, { ...window, limit: 1 });
    expect(one.hosts.map((h) => h.host)).toEqual(['db-1']);
    expect(one.truncated).toBe(true);
  });

  it("reads one host's series: CPU share by state, memory by state, load, network rate, filesystems", async () => {
    const d = await q.host('eu', T, 'web-1', window);
    expect(d.stepSeconds).toBe(60);
    expect(d.attributes['deployment.environment']).toBe('production');
    expect(d.times).toHaveLength(35);
    const last = d.times.length - 1;
    const cpu = Object.fromEntries(d.cpu.map((s) => [s.name, s.values[last - 2]]));
    expect(cpu.idle).toBeCloseTo(0.5, 5);
    expect(cpu.user).toBeCloseTo(50 / 120, 5);
    expect(cpu.system).toBeCloseTo(10 / 120, 5);
    // The first point of the data has no previous reading: no rate.
    expect(d.cpu[0].values[5]).toBeNull();
    expect(d.memory.find((s) => s.name === 'used')!.values[last - 2]).toBe(6e9);
    expect(d.memory.map((s) => s.name).sort()).toEqual(['free', 'used']); // slab_* are inside the others
    expect(d.load.find((s) => s.name === '1m')!.values[last - 2]).toBe(2.5);
    const rx = d.network.find((s) => s.name === 'receive')!;
    expect(rx.values[last - 2]).toBeCloseTo(5_000, 3);
    expect(d.filesystems).toEqual([{ mountpoint: '/', usedBytes: 30e9, totalBytes: 105e9, use: 0.3 }]);
    // A window at the start of time: the point before it would be before 1970.
    expect((await q.host('eu', T, 'web-1', { from: new Date(0), to: new Date(300_000) })).lastSeen).toBeNull();
    // Same host name in another tenant: nothing.
    const other = await q.host('eu', 'nobody', 'web-1', window);
    expect(other.lastSeen).toBeNull();
    expect(other.cpu).toEqual([]);
  });

  it('ranks the processes at a moment by CPU (cores, from CPU time deltas) and by memory', async () => {
    const p = await q.processes('eu', T, 'web-1', { at: new Date(BASE_MS + 20 * MIN + 30_000) });
    expect(p.byCpu.map((x) => x.executable)).toEqual(['node', 'java']);
    expect(p.byCpu[0].cpu).toBeCloseTo(0.5, 5);
    expect(p.byCpu[1].cpu).toBeCloseTo(0.1, 5);
    expect(p.byMemory.map((x) => [x.pid, x.memoryBytes])).toEqual([
      ['7', 2e9],
      ['42', 500e6],
    ]);
    expect(p.byCpu[0].commandLine).toBe('node --serve');
    const none = await q.processes('eu', T, 'db-1', { at: new Date(BASE_MS + 20 * MIN) });
    expect(none.byCpu).toEqual([]);
  });

  it('lists the services whose spans ran on the host', async () => {
    expect(await q.services('eu', T, 'web-1', window)).toEqual([{ service: 'checkout', spans: 1 }]);
  });

  it('refuses unbounded or malformed input, naming the field', async () => {
    const bad = async (p: Promise<unknown>, field: string) => {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(QueryValidationError);
      expect((e as QueryValidationError).field).toBe(field);
    };
    await bad(q.hosts('eu', T, { ...window, downAfterMinutes: 0 }), 'downAfterMinutes');
    await bad(q.hosts('eu', T, { ...window, limit: 10_001 }), 'limit');
    await bad(q.hosts('eu', T, { from: new Date(0), to: new Date() }), 'to');
    await bad(q.host('eu', T, '', window), 'host');
    await bad(q.processes('eu', T, 'web-1', { at: new Date(NaN) }), 'at');
    await bad(q.processes('eu', T, 'web-1', { at: new Date('2200-01-01T00:00:00Z') }), 'at');
    await bad(q.processes('eu', T, 'web-1', { at: new Date(), limit: 101 }), 'limit');
    await bad(q.hosts('eu', '', window), 'tenantId');
  });
});
