import { readdir, readFile, readlink, statfs } from 'node:fs/promises';
import { arch, hostname } from 'node:os';
import { join } from 'node:path';
import {
  countTcpStates,
  type CpuTimes,
  type DiskStats,
  memoryStates,
  type Mount,
  type NetDevStats,
  parseCmdline,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseOsRelease,
  parsePasswd,
  parsePidIo,
  parsePidStat,
  parsePidStatus,
  parseProcStat,
  parseSwaps,
  parseVmstat,
  type PidStat,
} from './proc-files';

/** Resource attributes of the host (OpenTelemetry semantic conventions, as resourcedetection sets them). */
export interface HostIdentity {
  'host.name': string;
  'host.id'?: string;
  'host.arch': string;
  'os.type': 'linux';
  'os.description': string;
}

export interface FilesystemUsage extends Mount {
  usedBytes: number;
  freeBytes: number;
  /** Blocks only root may use (total − free − available). */
  reservedBytes: number;
  inodesUsed: number;
  inodesFree: number;
}

export interface ProcessSample extends PidStat {
  rssBytes: number;
  owner?: string;
  executablePath?: string;
  commandLine?: string;
  /** Unreadable for other users' processes unless running as root. */
  io?: { readBytes: number; writeBytes: number };
}

/** One reading of the machine: cumulative counters as the kernel keeps them, plus the moment. */
export interface HostSnapshot {
  takenAtMs: number;
  /** Start of the kernel's cumulative counters (the start time of their points). */
  bootTimeMs: number;
  identity: HostIdentity;
  cpus: CpuTimes[];
  memory: ReturnType<typeof memoryStates>;
  load: ReturnType<typeof parseLoadavg>;
  filesystems: FilesystemUsage[];
  disks: DiskStats[];
  networks: NetDevStats[];
  tcpStates: Record<string, number>;
  swaps: ReturnType<typeof parseSwaps>;
  vmstat: Record<string, number>;
  processesCreated: number;
  /** Every process's state letter, for system.processes.count. */
  processStates: string[];
  /** The processes chosen for per-process metrics (see pickProcesses). */
  processes: ProcessSample[];
}

export interface HostReaderOptions {
  /** Where /proc, /sys and /etc are; `/` except in tests. */
  root?: string;
  /** At most this many processes get per-process metrics. */
  topProcesses: number;
}

/** Filesystems read at most, so a host with thousands of mounts (containers) stays bounded. */
const MAX_FILESYSTEMS = 100;

/** semconv host.arch values for Node's process.arch names. */
const HOST_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86', ppc64: 'ppc64', s390x: 's390x' };

/**
 * Reads this machine's /proc, /sys and /etc. The previous snapshot's process CPU times decide
 * which processes were busiest since then; files that vanish (a process exiting mid-read) or
 * cannot be read (another user's process) are skipped, not errors.
 */
export class HostReader {
  private readonly root: string;
  private identity: HostIdentity | undefined;
  private users: Map<number, string> | undefined;

  constructor(private readonly opts: HostReaderOptions) {
    this.root = opts.root ?? '/';
  }

  async read(previous?: HostSnapshot): Promise<HostSnapshot> {
    const takenAtMs = Date.now();
    const [identity, stat, meminfo, loadavg, mounts, diskstats, netdev, tcp, tcp6, swaps, vmstat, procs] = await Promise.all([
      this.readIdentity(),
      this.text('proc/stat'),
      this.text('proc/meminfo'),
      this.text('proc/loadavg'),
      this.text('proc/mounts'),
      this.text('proc/diskstats'),
      this.text('proc/net/dev'),
      this.text('proc/net/tcp'),
      this.text('proc/net/tcp6'),
      this.text('proc/swaps'),
      this.text('proc/vmstat'),
      this.readProcesses(),
    ]);
    const { cpus, processesCreated, bootTimeMs } = parseProcStat(stat ?? '');
    return {
      takenAtMs,
      bootTimeMs,
      identity,
      cpus,
      processesCreated,
      memory: memoryStates(parseMeminfo(meminfo ?? '')),
      load: parseLoadavg(loadavg ?? '0 0 0'),
      filesystems: await this.readFilesystems(parseMounts(mounts ?? '')),
      disks: parseDiskstats(diskstats ?? ''),
      networks: parseNetDev(netdev ?? ''),
      tcpStates: countTcpStates([tcp ?? '', tcp6 ?? '']),
      swaps: parseSwaps(swaps ?? ''),
      vmstat: parseVmstat(vmstat ?? ''),
      processStates: procs.map((p) => p.state),
      processes: await this.describe(pickProcesses(procs, previous?.processes ?? [], this.opts.topProcesses)),
    };
  }

  private async readIdentity(): Promise<HostIdentity> {
    if (this.identity) return this.identity;
    const [machineId, osRelease, kernel] = await Promise.all([
      this.text('etc/machine-id'),
      this.text('etc/os-release'),
      this.text('proc/sys/kernel/osrelease'),
    ]);
    const distro = parseOsRelease(osRelease ?? '') ?? 'Linux';
    this.identity = {
      'host.name': hostname(),
      ...(machineId?.trim() ? { 'host.id': machineId.trim() } : {}),
      'host.arch': HOST_ARCH[arch()] ?? arch(),
      'os.type': 'linux',
      'os.description': kernel ? `${distro} (Linux ${kernel.trim()})` : distro,
    };
    return this.identity;
  }

  private async readFilesystems(mounts: Mount[]): Promise<FilesystemUsage[]> {
    const out = await Promise.all(
      mounts.slice(0, MAX_FILESYSTEMS).map(async (m) => {
        try {
          const s = await statfs(join(this.root, m.mountpoint));
          if (s.blocks === 0) return undefined; // nothing stored there (an empty virtual fs)
          return {
            ...m,
            usedBytes: (s.blocks - s.bfree) * s.bsize,
            freeBytes: s.bavail * s.bsize,
            reservedBytes: (s.bfree - s.bavail) * s.bsize,
            inodesUsed: s.files - s.ffree,
            inodesFree: s.ffree,
          };
        } catch {
          return undefined; // unmounted since /proc/mounts was read, or not ours to stat
        }
      }),
    );
    return out.filter((f): f is FilesystemUsage => f !== undefined);
  }

  /** stat and status of every process: cheap files, read for all so the busiest can be chosen. */
  private async readProcesses(): Promise<Array<PidStat & { rssBytes: number; uid: number }>> {
    const pids = (await readdir(join(this.root, 'proc')).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
    const read = await Promise.all(
      pids.map(async (pid) => {
        const [stat, status] = await Promise.all([this.text(`proc/${pid}/stat`), this.text(`proc/${pid}/status`)]);
        const parsed = stat ? parsePidStat(stat) : undefined;
        return parsed && status ? { ...parsed, ...parsePidStatus(status) } : undefined;
      }),
    );
    return read.filter((p): p is PidStat & { rssBytes: number; uid: number } => p !== undefined);
  }

  /** The costlier per-process files, for the chosen few only. */
  private async describe(procs: Array<PidStat & { rssBytes: number; uid: number }>): Promise<ProcessSample[]> {
    this.users ??= parsePasswd((await this.text('etc/passwd')) ?? '');
    const users = this.users;
    return Promise.all(
      procs.map(async ({ uid, ...p }) => {
        const [cmdline, exe, io] = await Promise.all([
          this.text(`proc/${p.pid}/cmdline`),
          readlink(join(this.root, `proc/${p.pid}/exe`)).catch(() => undefined),
          this.text(`proc/${p.pid}/io`),
        ]);
        const args = parseCmdline(cmdline ?? '');
        const sample: ProcessSample = { ...p };
        if (users.has(uid)) sample.owner = users.get(uid);
        if (exe) sample.executablePath = exe;
        // Capped: a command line can be megabytes (long argument lists), and attributes are stored per point.
        if (args.length) sample.commandLine = args.join(' ').slice(0, 1024);
        const ioStats = io ? parsePidIo(io) : undefined;
        if (ioStats) sample.io = ioStats;
        return sample;
      }),
    );
  }

  private text(path: string): Promise<string | undefined> {
    return readFile(join(this.root, path), 'utf8').catch(() => undefined);
  }
}

/**
 * At most `limit` processes: the busiest half by CPU time since the previous reading (total CPU
 * time on the first), then the largest by resident memory, each once — so both a CPU spike and
 * a memory hog are visible without sending every process.
 */
export function pickProcesses<P extends PidStat & { rssBytes: number }>(procs: readonly P[], previous: readonly PidStat[], limit: number): P[] {
  const before = new Map(previous.map((p) => [p.pid, p.userSeconds + p.systemSeconds]));
  const cpuSince = (p: P) => p.userSeconds + p.systemSeconds - (before.get(p.pid) ?? 0);
  const byCpu = [...procs].sort((a, b) => cpuSince(b) - cpuSince(a) || b.rssBytes - a.rssBytes);
  const chosen = new Set(byCpu.slice(0, Math.ceil(limit / 2)));
  for (const p of [...procs].sort((a, b) => b.rssBytes - a.rssBytes)) {
    if (chosen.size >= limit) break;
    chosen.add(p);
  }
  return [...chosen];
}
