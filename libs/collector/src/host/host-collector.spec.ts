/**
 * The host source against this machine's real /proc, /sys and /etc: the values it reads are
 * sane next to what Node's os module says, and the HostCollector sends them through the
 * OpenTelemetry SDK exporter to an OTLP/HTTP endpoint that decodes them with Meridian's own
 * decoder — names, units, types (int vs double) and resources as the hostmetrics receiver's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { decodeMetrics, type ResourceMetrics } from '@meridian/otlp';
import { describeOrSkip } from '@meridian/testing';
import { HostCollector } from './host-collector';
import { HostCollectorService } from './host-collector.service';
import { HOST_METRIC_SPECS, type HostMetricName } from './host-metrics';
import { HostReader } from './host-reader';

jest.setTimeout(60_000);

const onLinux = describeOrSkip(process.platform === 'linux' && existsSync('/proc/stat') ? undefined : 'no Linux /proc on this machine');

/** An OTLP/HTTP metrics endpoint keeping each decoded request's resources. */
async function otlpSink(): Promise<{ url: string; received: ResourceMetrics[]; auth: string[]; close(): Promise<void> }> {
  const received: ResourceMetrics[] = [];
  const auth: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      received.push(...decodeMetrics(Buffer.concat(chunks), 'protobuf').resourceMetrics);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    auth,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

onLinux('host source on this machine', () => {
  it('reads sane values: every CPU, total memory as the OS reports it, the root filesystem, this process among the biggest', async () => {
    const reader = new HostReader({ topProcesses: 200 });
    const first = await reader.read();
    // Burn some CPU so the second reading has time to rate.
    const until = Date.now() + 300;
    while (Date.now() < until) Math.sqrt(Math.random());
    const snap = await reader.read(first);

    expect(snap.identity['host.name']).toBe(hostname());
    expect(snap.identity['os.type']).toBe('linux');
    expect(snap.identity['os.description']).toMatch(/Linux/);
    if (existsSync('/etc/machine-id')) expect(snap.identity['host.id']).toBe(readFileSync('/etc/machine-id', 'utf8').trim());

    expect(snap.cpus).toHaveLength(cpus().length);
    for (const c of snap.cpus) {
      expect(c.idle + c.user + c.system).toBeGreaterThan(0);
      expect(c.user).toBeGreaterThanOrEqual(first.cpus.find((f) => f.cpu === c.cpu)!.user);
    }
    expect(snap.bootTimeMs).toBeGreaterThan(Date.UTC(2000, 0, 1));
    expect(snap.bootTimeMs).toBeLessThan(Date.now());

    expect(snap.memory.total).toBe(totalmem());
    expect(snap.memory.states.used).toBeGreaterThan(0);
    expect(snap.memory.states.used).toBeLessThan(snap.memory.total);
    expect(snap.load.m1).toBeGreaterThanOrEqual(0);

    const root = snap.filesystems.find((f) => f.mountpoint === '/');
    expect(root).toBeDefined();
    expect(root!.usedBytes).toBeGreaterThan(0);
    expect(snap.filesystems.every((f) => !['proc', 'sysfs', 'cgroup', 'cgroup2'].includes(f.type))).toBe(true);
    expect(snap.networks.map((n) => n.device)).toContain('lo');

    expect(snap.processStates.length).toBeGreaterThan(snap.processes.length > 0 ? 1 : 0);
    const me = snap.processes.find((p) => p.pid === process.pid);
    expect(me).toBeDefined();
    expect(me!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(me!.rssBytes).toBeLessThan(totalmem());
    expect(me!.userSeconds + me!.systemSeconds).toBeGreaterThan(0.3);
    expect(me!.commandLine).toContain('jest');
    expect(me!.executablePath).toBe(process.execPath);
  });

  it('exports through the SDK exporter: hostmetrics names, units and types; host and per-process resources, bounded', async () => {
    const sink = await otlpSink();
    const collector = new HostCollector({ otlpUrl: sink.url, ingestKey: 'mrd_ik_host', intervalMs: 60_000, topProcesses: 5 });
    try {
      await collector.pollOnce();
      await new Promise((r) => setTimeout(r, 200));
      sink.received.length = 0;
      await collector.pollOnce();
    } finally {
      await collector.stop();
      await sink.close();
    }
    expect(sink.auth.every((a) => a === 'Bearer mrd_ik_host')).toBe(true);
    const resources = sink.received;
    const host = resources.filter((r) => r.resource.attributes['process.pid'] === undefined);
    const procs = resources.filter((r) => r.resource.attributes['process.pid'] !== undefined);
    expect(host).toHaveLength(1);
    expect(procs.length).toBeGreaterThan(0);
    expect(procs.length).toBeLessThanOrEqual(5);
    expect(host[0].resource.attributes).toMatchObject({ 'host.name': hostname(), 'os.type': 'linux' });
    for (const p of procs) {
      expect(p.resource.attributes).toMatchObject({ 'host.name': hostname() });
      expect(typeof p.resource.attributes['process.pid']).toBe('bigint');
      expect(typeof p.resource.attributes['process.executable.name']).toBe('string');
    }

    const metrics = resources.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const names = new Set(metrics.map((m) => m.name));
    for (const name of [
      'system.cpu.time',
      'system.cpu.utilization',
      'system.memory.usage',
      'system.memory.utilization',
      'system.cpu.load_average.1m',
      'system.cpu.load_average.5m',
      'system.cpu.load_average.15m',
      'system.filesystem.usage',
      'system.filesystem.utilization',
      'system.network.io',
      'system.network.packets',
      'system.network.errors',
      'system.processes.count',
      'process.cpu.time',
      'process.cpu.utilization',
      'process.memory.usage',
      'process.memory.virtual',
    ])
      expect(names).toContain(name);
    for (const m of metrics) {
      const spec = HOST_METRIC_SPECS[m.name as HostMetricName];
      expect(spec).toBeDefined();
      expect({ name: m.name, unit: m.unit }).toEqual({ name: m.name, unit: spec.unit });
      expect({ name: m.name, type: m.type }).toEqual({ name: m.name, type: spec.kind === 'gauge' ? 'gauge' : 'sum' });
      if (m.type === 'sum') expect({ name: m.name, monotonic: m.isMonotonic }).toEqual({ name: m.name, monotonic: spec.kind === 'counter' });
      if (m.type === 'sum' || m.type === 'gauge')
        for (const p of m.dataPoints) expect({ name: m.name, int: typeof p.value === 'bigint' }).toEqual({ name: m.name, int: spec.int });
    }

    const points = (name: HostMetricName) => {
      const m = metrics.find((x) => x.name === name);
      if (m?.type !== 'gauge' && m?.type !== 'sum') throw new Error(`no ${name}`);
      return m.dataPoints;
    };
    expect(points('system.cpu.time').length).toBe(cpus().length * 8);
    expect(points('system.cpu.time')[0].attributes).toEqual({ cpu: 'cpu0', state: 'user' });
    // Utilization of one CPU over its states sums to 1.
    const util = points('system.cpu.utilization').filter((p) => p.attributes.cpu === 'cpu0');
    expect(util.reduce((a, p) => a + Number(p.value), 0)).toBeCloseTo(1, 5);
    expect(Number(points('system.memory.usage').find((p) => p.attributes.state === 'used')!.value)).toBeGreaterThan(0);
    const fs = points('system.filesystem.usage').find((p) => p.attributes.mountpoint === '/')!;
    expect(Object.keys(fs.attributes).sort()).toEqual(['device', 'mode', 'mountpoint', 'state', 'type']);
  });

  it('as the collector role runs it: off when disabled, the configured intake at bootstrap, otherwise the first destination asked for', async () => {
    const sink = await otlpSink();
    const cfg = { enabled: true, intervalMs: 60_000, topProcesses: 2 };
    const off = new HostCollectorService({ ...cfg, enabled: false }, { otlpUrl: sink.url, ingestKey: 'mrd_ik_off' });
    off.onApplicationBootstrap();
    expect(off.report({ otlpUrl: sink.url, ingestKey: 'mrd_ik_off' })).toBe(false);

    const configured = new HostCollectorService(cfg, { otlpUrl: sink.url, ingestKey: 'mrd_ik_configured' });
    configured.onApplicationBootstrap();
    // Already sending where the configuration says: the demo tenant does not take it over.
    expect(configured.report({ otlpUrl: sink.url, ingestKey: 'mrd_ik_demo' })).toBe(false);

    const unconfigured = new HostCollectorService(cfg, {});
    unconfigured.onApplicationBootstrap();
    expect(unconfigured.report({ otlpUrl: sink.url, ingestKey: 'mrd_ik_demo' })).toBe(true);
    try {
      for (const key of ['mrd_ik_configured', 'mrd_ik_demo']) {
        const deadline = Date.now() + 20_000;
        while (!sink.auth.includes(`Bearer ${key}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await Promise.all([off, configured, unconfigured].map((s) => s.onModuleDestroy()));
      await sink.close();
    }
    expect(new Set(sink.auth)).toEqual(new Set(['Bearer mrd_ik_configured', 'Bearer mrd_ik_demo']));
  });
});
