import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { HostSnapshot, ProcessSample } from './host-reader';
import { CPU_STATES, processStatus } from './proc-files';

export const HOST_SCOPE = { name: '@meridian/collector/host', version: '1.0.0' };

/** gauge; sum = cumulative up-down; counter = cumulative monotonic — as the receivers' metadata.yaml declare them. */
type Kind = 'gauge' | 'sum' | 'counter';

interface MetricSpec {
  unit: string;
  kind: Kind;
  /** value_type int in metadata.yaml (sent as asInt). */
  int: boolean;
  description: string;
}

const spec = (unit: string, kind: Kind, int: boolean, description: string): MetricSpec => ({ unit, kind, int, description });

/**
 * The metrics the host source sends, with the name, unit, type and value type the Collector's
 * hostmetrics receiver gives them (receiver/hostmetricsreceiver/internal/scraper/*\/metadata.yaml),
 * so pages and rules read the host source and an unmodified Collector alike.
 */
export const HOST_METRIC_SPECS = {
  'system.cpu.time': spec('s', 'counter', false, 'Total seconds each logical CPU spent on each mode.'),
  'system.cpu.utilization': spec('1', 'gauge', false, 'Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time.'),
  'system.cpu.logical.count': spec('{cpu}', 'sum', true, 'Number of available logical CPUs.'),
  'system.cpu.load_average.1m': spec('{thread}', 'gauge', false, 'Average CPU Load over 1 minute.'),
  'system.cpu.load_average.5m': spec('{thread}', 'gauge', false, 'Average CPU Load over 5 minutes.'),
  'system.cpu.load_average.15m': spec('{thread}', 'gauge', false, 'Average CPU Load over 15 minutes.'),
  'system.memory.usage': spec('By', 'sum', true, 'Bytes of memory in use.'),
  'system.memory.utilization': spec('1', 'gauge', false, 'Percentage of memory bytes in use.'),
  'system.filesystem.usage': spec('By', 'sum', true, 'Filesystem bytes used.'),
  'system.filesystem.inodes.usage': spec('{inodes}', 'sum', true, 'FileSystem inodes used.'),
  'system.filesystem.utilization': spec('1', 'gauge', false, 'Fraction of filesystem bytes used.'),
  'system.disk.io': spec('By', 'counter', true, 'Disk bytes transferred.'),
  'system.disk.operations': spec('{operations}', 'counter', true, 'Disk operations count.'),
  'system.disk.io_time': spec('s', 'counter', false, 'Time disk spent activated.'),
  'system.disk.operation_time': spec('s', 'counter', false, 'Time spent in disk operations.'),
  'system.disk.weighted_io_time': spec('s', 'counter', false, 'Time disk spent activated multiplied by the queue length.'),
  'system.disk.pending_operations': spec('{operations}', 'sum', true, 'The queue size of pending I/O operations.'),
  'system.disk.merged': spec('{operations}', 'counter', true, 'The number of disk reads/writes merged into single physical disk access operations.'),
  'system.network.io': spec('By', 'counter', true, 'The number of bytes transmitted and received.'),
  'system.network.packets': spec('{packets}', 'counter', true, 'The number of packets transferred.'),
  'system.network.errors': spec('{errors}', 'counter', true, 'The number of errors encountered.'),
  'system.network.dropped': spec('{packets}', 'counter', true, 'The number of packets dropped.'),
  'system.network.connections': spec('{connections}', 'sum', true, 'The number of connections.'),
  'system.paging.usage': spec('By', 'sum', true, 'Swap (unix) or pagefile (windows) usage.'),
  'system.paging.utilization': spec('1', 'gauge', false, 'Swap (unix) or pagefile (windows) utilization.'),
  'system.paging.operations': spec('{operations}', 'counter', true, 'The number of paging operations.'),
  'system.paging.faults': spec('{faults}', 'counter', true, 'The number of page faults.'),
  'system.processes.count': spec('{processes}', 'sum', true, 'Total number of processes in each state.'),
  'system.processes.created': spec('{processes}', 'counter', true, 'Total number of created processes.'),
  'process.cpu.time': spec('s', 'counter', false, 'Total CPU seconds broken down by different states.'),
  'process.cpu.utilization': spec(
    '1',
    'gauge',
    false,
    'Percentage of total CPU time used by the process since last scrape, expressed as a value between 0 and 1.',
  ),
  'process.memory.usage': spec('By', 'sum', true, 'The amount of physical memory in use.'),
  'process.memory.virtual': spec('By', 'sum', true, 'Virtual memory size.'),
  'process.memory.utilization': spec('1', 'gauge', false, 'Percentage of total physical memory that is used by the process.'),
  'process.disk.io': spec('By', 'counter', true, 'Disk bytes transferred.'),
  'process.threads': spec('{threads}', 'sum', true, 'Process threads count.'),
} as const satisfies Record<string, MetricSpec>;

export type HostMetricName = keyof typeof HOST_METRIC_SPECS;

type Point = { attributes: Record<string, string>; value: number };
type Readings = Partial<Record<HostMetricName, Point[]>>;

/**
 * One reading of the host as OTLP: the host's resource with the system.* metrics, then one
 * resource per chosen process (process.pid, process.executable.name, …) with its process.*
 * metrics — the shape the hostmetrics receiver sends. Rates (utilization) need the previous
 * reading and are left out of the first.
 */
export function hostResourceMetrics(now: HostSnapshot, previous?: HostSnapshot): ResourceMetrics[] {
  const host = toMetrics(systemReadings(now, previous), now.bootTimeMs, now.takenAtMs);
  const out: ResourceMetrics[] = [{ resource: resourceFromAttributes({ ...now.identity }), scopeMetrics: [{ scope: HOST_SCOPE, metrics: host }] }];
  const before = new Map(previous?.processes.map((p) => [p.pid, p]));
  const elapsedSeconds = previous ? (now.takenAtMs - previous.takenAtMs) / 1000 : 0;
  for (const p of now.processes) {
    const prior = before.get(p.pid);
    const startMs = now.bootTimeMs + p.startSecondsAfterBoot * 1000;
    // A pid reused by a new process since the previous reading has no rate yet.
    const rateFrom = prior && prior.startSecondsAfterBoot === p.startSecondsAfterBoot && elapsedSeconds > 0 ? prior : undefined;
    const metrics = toMetrics(processReadings(p, rateFrom, elapsedSeconds * Math.max(1, now.cpus.length), now.memory.total), startMs, now.takenAtMs);
    out.push({ resource: resourceFromAttributes({ ...now.identity, ...processResource(p) }), scopeMetrics: [{ scope: HOST_SCOPE, metrics }] });
  }
  return out;
}

/** Resource attributes of one process, as the process scraper names them; those not readable are left out. */
export function processResource(p: ProcessSample): Record<string, string | number> {
  const attrs: Record<string, string | number> = { 'process.pid': p.pid, 'process.parent_pid': p.ppid, 'process.executable.name': p.comm };
  if (p.executablePath) attrs['process.executable.path'] = p.executablePath;
  if (p.commandLine) {
    attrs['process.command'] = p.commandLine.split(' ')[0];
    attrs['process.command_line'] = p.commandLine;
  }
  if (p.owner) attrs['process.owner'] = p.owner;
  return attrs;
}

function systemReadings(now: HostSnapshot, previous: HostSnapshot | undefined): Readings {
  const r: Readings = {};
  const add = (name: HostMetricName, attributes: Record<string, string>, value: number) => (r[name] ??= []).push({ attributes, value });

  const prevCpu = new Map(previous?.cpus.map((c) => [c.cpu, c]));
  const elapsed = previous ? (now.takenAtMs - previous.takenAtMs) / 1000 : 0;
  for (const c of now.cpus) {
    const before = prevCpu.get(c.cpu);
    // Busy + idle ticks over the interval, rather than wall time: the kernel's ticks and our clock drift apart.
    const spent = before ? CPU_STATES.reduce((a, s) => a + c[s] - before[s], 0) : 0;
    for (const state of CPU_STATES) {
      add('system.cpu.time', { cpu: `cpu${c.cpu}`, state }, c[state]);
      if (before && elapsed > 0 && spent > 0) add('system.cpu.utilization', { cpu: `cpu${c.cpu}`, state }, clamp01((c[state] - before[state]) / spent));
    }
  }
  add('system.cpu.logical.count', {}, now.cpus.length);
  add('system.cpu.load_average.1m', {}, now.load.m1);
  add('system.cpu.load_average.5m', {}, now.load.m5);
  add('system.cpu.load_average.15m', {}, now.load.m15);

  for (const [state, bytes] of Object.entries(now.memory.states)) {
    add('system.memory.usage', { state }, bytes);
    if (now.memory.total > 0) add('system.memory.utilization', { state }, bytes / now.memory.total);
  }

  for (const fs of now.filesystems) {
    const attrs = { device: fs.device, mode: fs.mode, mountpoint: fs.mountpoint, type: fs.type };
    add('system.filesystem.usage', { ...attrs, state: 'used' }, fs.usedBytes);
    add('system.filesystem.usage', { ...attrs, state: 'free' }, fs.freeBytes);
    add('system.filesystem.usage', { ...attrs, state: 'reserved' }, fs.reservedBytes);
    add('system.filesystem.inodes.usage', { ...attrs, state: 'used' }, fs.inodesUsed);
    add('system.filesystem.inodes.usage', { ...attrs, state: 'free' }, fs.inodesFree);
    // As df shows it: the reserved blocks are not available to users, so they are not in the denominator.
    const usable = fs.usedBytes + fs.freeBytes;
    if (usable > 0) add('system.filesystem.utilization', attrs, fs.usedBytes / usable);
  }

  for (const d of now.disks) {
    const read = { device: d.device, direction: 'read' };
    const write = { device: d.device, direction: 'write' };
    add('system.disk.io', read, d.readBytes);
    add('system.disk.io', write, d.writeBytes);
    add('system.disk.operations', read, d.readOps);
    add('system.disk.operations', write, d.writeOps);
    add('system.disk.operation_time', read, d.readSeconds);
    add('system.disk.operation_time', write, d.writeSeconds);
    add('system.disk.merged', read, d.readMerged);
    add('system.disk.merged', write, d.writeMerged);
    add('system.disk.io_time', { device: d.device }, d.ioSeconds);
    add('system.disk.weighted_io_time', { device: d.device }, d.weightedIoSeconds);
    add('system.disk.pending_operations', { device: d.device }, d.pending);
  }

  for (const n of now.networks)
    for (const direction of ['receive', 'transmit'] as const) {
      const attrs = { device: n.device, direction };
      add('system.network.io', attrs, n[direction].bytes);
      add('system.network.packets', attrs, n[direction].packets);
      add('system.network.errors', attrs, n[direction].errors);
      add('system.network.dropped', attrs, n[direction].dropped);
    }
  for (const [state, count] of Object.entries(now.tcpStates)) add('system.network.connections', { protocol: 'tcp', state }, count);

  for (const s of now.swaps) {
    add('system.paging.usage', { device: s.device, state: 'used' }, s.used);
    add('system.paging.usage', { device: s.device, state: 'free' }, s.free);
    if (s.used + s.free > 0) {
      add('system.paging.utilization', { device: s.device, state: 'used' }, s.used / (s.used + s.free));
      add('system.paging.utilization', { device: s.device, state: 'free' }, s.free / (s.used + s.free));
    }
  }
  const vm = now.vmstat;
  if (vm.pgfault !== undefined) {
    // Major: swap traffic; minor: pages read from and written to files.
    add('system.paging.operations', { direction: 'page_in', type: 'major' }, vm.pswpin ?? 0);
    add('system.paging.operations', { direction: 'page_out', type: 'major' }, vm.pswpout ?? 0);
    add('system.paging.operations', { direction: 'page_in', type: 'minor' }, vm.pgpgin ?? 0);
    add('system.paging.operations', { direction: 'page_out', type: 'minor' }, vm.pgpgout ?? 0);
    add('system.paging.faults', { type: 'major' }, vm.pgmajfault ?? 0);
    add('system.paging.faults', { type: 'minor' }, Math.max(0, vm.pgfault - (vm.pgmajfault ?? 0)));
  }

  const byStatus = new Map<string, number>();
  for (const s of now.processStates) byStatus.set(processStatus(s), (byStatus.get(processStatus(s)) ?? 0) + 1);
  // running and blocked always, so "none blocked" reads 0 rather than missing.
  for (const status of new Set(['running', 'blocked', ...byStatus.keys()])) add('system.processes.count', { status }, byStatus.get(status) ?? 0);
  add('system.processes.created', {}, now.processesCreated);
  return r;
}

function processReadings(p: ProcessSample, prior: ProcessSample | undefined, cpuCapacitySeconds: number, memoryTotal: number): Readings {
  const r: Readings = {
    'process.cpu.time': [
      { attributes: { state: 'user' }, value: p.userSeconds },
      { attributes: { state: 'system' }, value: p.systemSeconds },
      { attributes: { state: 'wait' }, value: p.waitSeconds },
    ],
    'process.memory.usage': [{ attributes: {}, value: p.rssBytes }],
    'process.memory.virtual': [{ attributes: {}, value: p.virtualBytes }],
    'process.threads': [{ attributes: {}, value: p.threads }],
  };
  if (memoryTotal > 0) r['process.memory.utilization'] = [{ attributes: {}, value: p.rssBytes / memoryTotal }];
  if (prior && cpuCapacitySeconds > 0) {
    const rate = (now: number, before: number) => clamp01((now - before) / cpuCapacitySeconds);
    r['process.cpu.utilization'] = [
      { attributes: { state: 'user' }, value: rate(p.userSeconds, prior.userSeconds) },
      { attributes: { state: 'system' }, value: rate(p.systemSeconds, prior.systemSeconds) },
      { attributes: { state: 'wait' }, value: rate(p.waitSeconds, prior.waitSeconds) },
    ];
  }
  if (p.io)
    r['process.disk.io'] = [
      { attributes: { direction: 'read' }, value: p.io.readBytes },
      { attributes: { direction: 'write' }, value: p.io.writeBytes },
    ];
  return r;
}

function toMetrics(readings: Readings, startMs: number, endMs: number): MetricData[] {
  const start = hrTime(startMs);
  const end = hrTime(endMs);
  return (Object.entries(readings) as Array<[HostMetricName, Point[]]>).map(([name, points]) => {
    const s: MetricSpec = HOST_METRIC_SPECS[name];
    const descriptor = { name, description: s.description, unit: s.unit, valueType: s.int ? ValueType.INT : ValueType.DOUBLE };
    const dataPoints = points.map((p) => ({
      startTime: s.kind === 'gauge' ? end : start,
      endTime: end,
      attributes: p.attributes as Attributes,
      value: s.int ? Math.round(p.value) : p.value,
    }));
    if (s.kind === 'gauge') return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
    return {
      descriptor,
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: s.kind === 'counter',
      dataPoints,
    };
  });
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}
