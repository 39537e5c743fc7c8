/**
 * Parsers of the Linux /proc and /etc files the host source reads: text in, numbers out, no I/O,
 * so each is tested against fixture text. Units are converted here once (kB → bytes, clock ticks
 * → seconds, sectors → bytes), so the metric mapping never sees a kernel unit.
 */

/**
 * USER_HZ: the unit of every tick count in /proc/stat and /proc/<pid>/stat. The kernel fixes it at
 * 100 on every architecture Linux exports to user space (sysconf(_SC_CLK_TCK) reads 100), and Node
 * has no sysconf, so it is a constant.
 */
export const CLOCK_TICKS_PER_SECOND = 100;
/** /proc/diskstats counts 512-byte sectors whatever the device's own sector size. */
const DISKSTAT_SECTOR_BYTES = 512;

/** Seconds one logical CPU spent in each state, named as the hostmetrics receiver's `state` values. */
export interface CpuTimes {
  cpu: string;
  user: number;
  nice: number;
  system: number;
  idle: number;
  wait: number;
  interrupt: number;
  softirq: number;
  steal: number;
}

export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'] as const;

/** /proc/stat: per-CPU times (`cpuN` lines, not the `cpu` total), processes created since boot and the boot time. */
export function parseProcStat(text: string): { cpus: CpuTimes[]; processesCreated: number; bootTimeMs: number } {
  const cpus: CpuTimes[] = [];
  let processesCreated = 0;
  let bootTimeMs = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^cpu(\d+)$/.exec(f[0]);
    if (m) {
      // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
      const s = (i: number) => Number(f[i] ?? 0) / CLOCK_TICKS_PER_SECOND;
      cpus.push({ cpu: m[1], user: s(1), nice: s(2), system: s(3), idle: s(4), wait: s(5), interrupt: s(6), softirq: s(7), steal: s(8) });
    } else if (f[0] === 'processes') processesCreated = Number(f[1]);
    else if (f[0] === 'btime') bootTimeMs = Number(f[1]) * 1000;
  }
  return { cpus, processesCreated, bootTimeMs };
}

/** /proc/meminfo: every `Key: N kB` line in bytes (lines without a unit are counts, kept as is). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/**
 * Memory by the receiver's `state` values, as it computes them on Linux: `used` is what cannot be
 * given back (total − free − buffers − page cache − reclaimable slab), so used + free + buffered +
 * cached + slab_reclaimable = MemTotal; slab_unreclaimable is a part of `used`, shown alone.
 */
export function memoryStates(meminfo: Record<string, number>): { total: number; states: Record<string, number> } {
  const total = meminfo.MemTotal ?? 0;
  const free = meminfo.MemFree ?? 0;
  const buffered = meminfo.Buffers ?? 0;
  const cached = meminfo.Cached ?? 0;
  const slabReclaimable = meminfo.SReclaimable ?? 0;
  const slabUnreclaimable = meminfo.SUnreclaim ?? 0;
  const used = Math.max(0, total - free - buffered - cached - slabReclaimable);
  return {
    total,
    states: { used, free, buffered, cached, slab_reclaimable: slabReclaimable, slab_unreclaimable: slabUnreclaimable },
  };
}

/** /proc/loadavg: the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): { m1: number; m5: number; m15: number } {
  const [m1, m5, m15] = text.trim().split(/\s+/).map(Number);
  return { m1, m5, m15 };
}

export interface Mount {
  device: string;
  mountpoint: string;
  type: string;
  mode: 'ro' | 'rw';
}

/** Kernel and virtual filesystems: no disk behind them, so no usage worth a tile. */
const PSEUDO_FS_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tracefs',
]);

/** /proc/mounts: mounted filesystems with storage behind them, each mount point once (the last mount wins, as the kernel shows it). */
export function parseMounts(text: string): Mount[] {
  const byMountpoint = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const [device, mountpoint, type, options] = line.trim().split(/\s+/);
    if (!device || !mountpoint || !type || PSEUDO_FS_TYPES.has(type)) continue;
    byMountpoint.set(unescapeMountField(mountpoint), {
      device: unescapeMountField(device),
      mountpoint: unescapeMountField(mountpoint),
      type,
      mode: (options ?? '').split(',').includes('ro') ? 'ro' : 'rw',
    });
  }
  return [...byMountpoint.values()];
}

/** /proc/mounts writes blanks, tabs, newlines and backslashes in paths as octal escapes (\040). */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface DiskStats {
  device: string;
  readOps: number;
  writeOps: number;
  readMerged: number;
  writeMerged: number;
  readBytes: number;
  writeBytes: number;
  readSeconds: number;
  writeSeconds: number;
  pending: number;
  ioSeconds: number;
  weightedIoSeconds: number;
}

/** /proc/diskstats: per block device, those that have done any I/O (idle loop and ram devices are noise). */
export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = (i: number) => Number(f[i]);
    const d: DiskStats = {
      device: f[2],
      readOps: n(3),
      readMerged: n(4),
      readBytes: n(5) * DISKSTAT_SECTOR_BYTES,
      readSeconds: n(6) / 1000,
      writeOps: n(7),
      writeMerged: n(8),
      writeBytes: n(9) * DISKSTAT_SECTOR_BYTES,
      writeSeconds: n(10) / 1000,
      pending: n(11),
      ioSeconds: n(12) / 1000,
      weightedIoSeconds: n(13) / 1000,
    };
    if (d.readOps + d.writeOps + d.pending > 0) out.push(d);
  }
  return out;
}

export interface NetDevStats {
  device: string;
  receive: { bytes: number; packets: number; errors: number; dropped: number };
  transmit: { bytes: number; packets: number; errors: number; dropped: number };
}

/** /proc/net/dev: per interface, both directions (the two header lines have no colon-separated name). */
export function parseNetDev(text: string): NetDevStats[] {
  const out: NetDevStats[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.push({
      device: m[1],
      receive: { bytes: f[0], packets: f[1], errors: f[2], dropped: f[3] },
      transmit: { bytes: f[8], packets: f[9], errors: f[10], dropped: f[11] },
    });
  }
  return out;
}

/** /proc/swaps: swap devices with used and free bytes. */
export function parseSwaps(text: string): Array<{ device: string; used: number; free: number }> {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]))
    .map((f) => {
      const size = Number(f[2]) * 1024;
      const used = Number(f[3]) * 1024;
      return { device: unescapeMountField(f[0]), used, free: Math.max(0, size - used) };
    });
}

/** /proc/vmstat: `name value` pairs. */
export function parseVmstat(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

/** TCP states by the hex code in /proc/net/tcp{,6}, named as the receiver names them. */
const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT_1',
  '05': 'FIN_WAIT_2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** /proc/net/tcp and tcp6: connections per state. */
export function countTcpStates(texts: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const text of texts)
    for (const line of text.split('\n').slice(1)) {
      const st = line.trim().split(/\s+/)[3];
      if (!st) continue;
      const state = TCP_STATES[st.toUpperCase()] ?? 'UNKNOWN';
      out[state] = (out[state] ?? 0) + 1;
    }
  return out;
}

/** One process as /proc/<pid>/stat shows it. */
export interface PidStat {
  pid: number;
  /** The kernel's 15-character `comm`; /proc/<pid>/status Name is the same. */
  comm: string;
  /** R, S, D, Z, T, t, I, W, X … */
  state: string;
  ppid: number;
  userSeconds: number;
  systemSeconds: number;
  /** Time waiting for block I/O (delayacct_blkio_ticks). */
  waitSeconds: number;
  threads: number;
  virtualBytes: number;
  /** When the process started, in seconds after boot. */
  startSecondsAfterBoot: number;
}

/**
 * /proc/<pid>/stat. `comm` is in parentheses and may itself hold blanks and parentheses, so the
 * fields after it are found from the last `)`.
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // f[0] is field 3 (state) of proc(5).
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(f[n - 3] ?? 0);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0],
    ppid: field(4),
    userSeconds: field(14) / CLOCK_TICKS_PER_SECOND,
    systemSeconds: field(15) / CLOCK_TICKS_PER_SECOND,
    threads: field(20),
    startSecondsAfterBoot: field(22) / CLOCK_TICKS_PER_SECOND,
    virtualBytes: field(23),
    waitSeconds: field(42) / CLOCK_TICKS_PER_SECOND,
  };
}

/** /proc/<pid>/status: owner uid and resident memory (in bytes; kernel threads have no VmRSS). */
export function parsePidStatus(text: string): { uid: number; rssBytes: number } {
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return { uid: uid ? Number(uid[1]) : -1, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
}

/** /proc/<pid>/io: bytes the process made the storage layer read and write. */
export function parsePidIo(text: string): { readBytes: number; writeBytes: number } | undefined {
  const read = /^read_bytes:\s+(\d+)/m.exec(text);
  const write = /^write_bytes:\s+(\d+)/m.exec(text);
  return read && write ? { readBytes: Number(read[1]), writeBytes: Number(write[1]) } : undefined;
}

/** /proc/<pid>/cmdline: NUL-separated arguments; empty for kernel threads and zombies. */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
}

/** /etc/passwd: user name per uid. */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2])) out.set(Number(f[2]), f[0]);
  }
  return out;
}

/** /etc/os-release: PRETTY_NAME (quotes removed), e.g. "Debian GNU/Linux 12 (bookworm)". */
export function parseOsRelease(text: string): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  return m ? m[1].trim().replace(/^(["'])(.*)\1$/, '$2') : undefined;
}

/** The processes scraper's `status` values per /proc/<pid>/stat state letter. */
export function processStatus(state: string): string {
  switch (state) {
    case 'R':
      return 'running';
    case 'S':
      return 'sleeping';
    case 'D':
      return 'blocked';
    case 'Z':
      return 'zombies';
    case 'T':
    case 't':
      return 'stopped';
    case 'I':
      return 'idle';
    case 'W':
      return 'paging';
    default:
      return 'unknown';
  }
}
