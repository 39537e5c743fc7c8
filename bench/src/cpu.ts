/**
 * Where CPU goes, from /proc (Linux): per-thread CPU time of a process grouped by thread name
 * (Node's main thread is named after the executable, libuv pool threads "libuv-worker",
 * ClickHouse threads by their pool, e.g. "QueryPipelineEx", "MergeMutate"), and the machine's
 * busy time. Snapshots are diffed over a phase.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux x86-64 build

interface ThreadTicks {
  comm: string;
  ticks: number;
}

export interface ProcessSnapshot {
  pid: number;
  atMs: number;
  /** Whole process (includes threads that already exited). */
  totalTicks: number;
  threads: Map<string, ThreadTicks>;
}

export interface MachineSnapshot {
  busy: number;
  total: number;
  steal: number;
  iowait: number;
}

export interface MachineUsage {
  /** Cores busy running anything (user + system + irq), 0..cores. */
  busyCores: number;
  /** Cores lost to the hypervisor (steal) and waiting on disk (iowait). */
  stealCores: number;
  iowaitCores: number;
}

export interface CpuBreakdown {
  wallSeconds: number;
  /** CPU seconds of the whole process over the phase. */
  processCpuSeconds: number;
  /** processCpuSeconds / wall: 1.0 = one core fully busy. */
  processCores: number;
  /** CPU seconds by thread name, largest first (threads that exited during the phase are in "(exited threads)"). */
  byThread: { name: string; cpuSeconds: number; cores: number; threads: number }[];
}

/** utime + stime and the name from a /proc/.../stat line (the name may contain spaces and parentheses). */
function parseStat(text: string): ThreadTicks {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

function readStat(path: string): ThreadTicks | undefined {
  try {
    return parseStat(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // the thread or process exited meanwhile
  }
}

export function snapshotProcess(pid: number): ProcessSnapshot {
  const threads = new Map<string, ThreadTicks>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // process gone
  }
  for (const tid of tids) {
    const t = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (t) threads.set(tid, t);
  }
  return { pid, atMs: performance.now(), totalTicks: readStat(`/proc/${pid}/stat`)?.ticks ?? 0, threads };
}

export function diffProcess(before: ProcessSnapshot, after: ProcessSnapshot): CpuBreakdown {
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  const groups = new Map<string, { ticks: number; threads: number }>();
  let counted = 0;
  for (const [tid, t] of after.threads) {
    const d = t.ticks - (before.threads.get(tid)?.ticks ?? 0);
    counted += d;
    const name = Number(tid) === after.pid ? `${t.comm} (main thread)` : normalizeThreadName(t.comm);
    const g = groups.get(name) ?? { ticks: 0, threads: 0 };
    g.ticks += d;
    g.threads++;
    groups.set(name, g);
  }
  const total = after.totalTicks - before.totalTicks;
  if (total - counted > 0) groups.set('(exited threads)', { ticks: total - counted, threads: 0 });
  const byThread = [...groups.entries()]
    .filter(([, g]) => g.ticks > 0)
    .map(([name, g]) => ({ name, cpuSeconds: g.ticks / TICKS_PER_SECOND, cores: g.ticks / TICKS_PER_SECOND / wallSeconds, threads: g.threads }))
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  const processCpuSeconds = total / TICKS_PER_SECOND;
  return { wallSeconds, processCpuSeconds, processCores: processCpuSeconds / wallSeconds, byThread };
}

/** Pool threads carry a number suffix in some builds; group them. */
function normalizeThreadName(comm: string): string {
  return comm.replace(/[-_ ]?\d+$/, '') || comm;
}

export function snapshotMachine(): MachineSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = user..softirq; steal is another VM's.
  const busy = v[0] + v[1] + v[2] + v[5] + v[6];
  return { busy, total: v.slice(0, 8).reduce((a, b) => a + b, 0), steal: v[7] ?? 0, iowait: v[4] ?? 0 };
}

export function machineUsage(before: MachineSnapshot, after: MachineSnapshot): MachineUsage {
  const total = after.total - before.total;
  const cores = (d: number) => (total > 0 ? (d / total) * cpus().length : 0);
  return { busyCores: cores(after.busy - before.busy), stealCores: cores(after.steal - before.steal), iowaitCores: cores(after.iowait - before.iowait) };
}

/** Resident set size of a process now (VmRSS of /proc/<pid>/status), bytes; 0 once it is gone. */
export function residentBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the RSS of `pid` every `everyMs` until stopped; `stop()` gives the largest seen. */
export function watchPeakRss(pid: number, everyMs = 200): { stop(): number } {
  let peak = residentBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, residentBytes(pid));
    },
  };
}
