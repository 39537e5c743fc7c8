import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { hostResourceMetrics } from './host-metrics';
import { type HostSnapshot, pickProcesses, type ProcessSample } from './host-reader';

const BOOT = Date.UTC(2026, 11, 1);

function proc(pid: number, cpu: number, rss: number, start = 100): ProcessSample {
  return {
    pid,
    comm: `p${pid}`,
    state: 'S',
    ppid: 1,
    userSeconds: cpu,
    systemSeconds: 0,
    waitSeconds: 0,
    threads: 1,
    virtualBytes: rss * 2,
    startSecondsAfterBoot: start,
    rssBytes: rss,
  };
}

function snapshot(takenAtMs: number, over: Partial<HostSnapshot>): HostSnapshot {
  return {
    takenAtMs,
    bootTimeMs: BOOT,
    identity: { 'host.name': 'web-1', 'host.arch': 'amd64', 'os.type': 'linux', 'os.description': 'Debian (Linux 6.1)' },
    cpus: [],
    memory: { total: 1000, states: { used: 600, free: 400 } },
    load: { m1: 1, m5: 1, m15: 1 },
    filesystems: [],
    disks: [],
    networks: [],
    tcpStates: {},
    swaps: [],
    vmstat: {},
    processesCreated: 10,
    processStates: ['R', 'S', 'S', 'Z'],
    processes: [],
    ...over,
  };
}

const points = (metrics: MetricData[], name: string) => metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];

describe('host readings as OTLP', () => {
  it('chooses at most N processes: half busiest by CPU since the last reading, the rest largest by memory', () => {
    const before = [proc(1, 100, 10), proc(2, 0, 10), proc(3, 0, 10)];
    const now = [proc(1, 100.5, 10), proc(2, 5, 10), proc(3, 1, 10), proc(4, 0, 900), proc(5, 0, 800), proc(6, 0, 5)];
    // pid 1 has the most CPU in total but little since the last reading.
    expect(pickProcesses(now, before, 4).map((p) => p.pid)).toEqual([2, 3, 4, 5]);
    expect(pickProcesses(now, [], 2).map((p) => p.pid)).toEqual([1, 4]);
    expect(pickProcesses(now, before, 0)).toEqual([]);
  });

  it('rates CPU per logical CPU from tick deltas; the first reading has no utilization', () => {
    const cpu = (user: number, idle: number) => ({ cpu: '0', user, nice: 0, system: 0, idle, wait: 0, interrupt: 0, softirq: 0, steal: 0 });
    const first = snapshot(0, { cpus: [cpu(10, 90)] });
    const second = snapshot(10_000, { cpus: [cpu(13, 97)] });
    const [host0] = hostResourceMetrics(first);
    expect(points(host0.scopeMetrics[0].metrics, 'system.cpu.utilization')).toEqual([]);
    const [host] = hostResourceMetrics(second, first);
    const metrics = host.scopeMetrics[0].metrics;
    const util = Object.fromEntries(points(metrics, 'system.cpu.utilization').map((p) => [p.attributes.state, p.value]));
    expect(util.user).toBeCloseTo(0.3);
    expect(util.idle).toBeCloseTo(0.7);
    const time = metrics.find((m) => m.descriptor.name === 'system.cpu.time')!;
    expect(time.dataPointType).toBe(DataPointType.SUM);
    // Cumulative since boot.
    expect(time.dataPoints[0].startTime).toEqual([BOOT / 1000, 0]);
    expect(Object.fromEntries(points(metrics, 'system.processes.count').map((p) => [p.attributes.status, p.value]))).toEqual({
      running: 1,
      blocked: 0,
      sleeping: 2,
      zombies: 1,
    });
  });

  it('one resource per process; a pid reused by a new process gets no CPU rate from the old one', () => {
    const first = snapshot(0, { cpus: [], processes: [proc(7, 50, 100, 100), proc(8, 10, 100, 100)] });
    const second = snapshot(10_000, { processes: [proc(7, 52, 100, 100), { ...proc(8, 1, 100, 9_000), commandLine: 'node server.js', owner: 'app' }] });
    const [, p7, p8] = hostResourceMetrics(second, first);
    expect(p7.resource.attributes).toMatchObject({ 'host.name': 'web-1', 'process.pid': 7, 'process.executable.name': 'p7' });
    expect(p8.resource.attributes).toMatchObject({
      'process.pid': 8,
      'process.command': 'node',
      'process.command_line': 'node server.js',
      'process.owner': 'app',
    });
    // 2 CPU seconds over 10 s on one CPU.
    expect(points(p7.scopeMetrics[0].metrics, 'process.cpu.utilization').find((p) => p.attributes.state === 'user')?.value).toBeCloseTo(0.2);
    expect(points(p8.scopeMetrics[0].metrics, 'process.cpu.utilization')).toEqual([]);
    expect(points(p8.scopeMetrics[0].metrics, 'process.memory.utilization')[0].value).toBeCloseTo(0.1);
    // Process counters start when the process did.
    expect(points(p8.scopeMetrics[0].metrics, 'process.cpu.time')[0].startTime).toEqual([BOOT / 1000 + 9_000, 0]);
  });
});
