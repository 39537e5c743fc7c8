import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { counter, gauge, type SelfMetrics } from '@meridian/self-metrics';
import type { DeadLetterEntry, DeadLetterListOptions, DeadLetterStore } from './bus';

export interface DeadLetterLimits {
  /** Bytes kept per tenant and region; past it the tenant's oldest dead letters are dropped. */
  maxBytesPerTenant: number;
  /** Bytes kept in the whole dead-letter directory; past it the oldest of any tenant are dropped. */
  maxBytesTotal: number;
}

export const DEFAULT_DEAD_LETTER_LIMITS: DeadLetterLimits = { maxBytesPerTenant: 64 * 1024 * 1024, maxBytesTotal: 1024 * 1024 * 1024 };

interface Segment {
  /** `<created ms, 16 digits>-<seq, 6 digits>.jsonl`: names sort oldest first, across tenants too. */
  name: string;
  path: string;
  bytes: number;
}

interface TenantFiles {
  region: string;
  dir: string;
  segments: Segment[];
}

export function deadLetterMetrics(registry: SelfMetrics) {
  return {
    dropped: counter(registry, {
      name: 'meridian_dead_letters_dropped_total',
      help: 'Dead letters dropped (oldest first) to stay within the per-tenant or total dead-letter byte caps, or refused as larger than a tenant may keep',
      labelNames: ['region', 'reason'],
    }),
    bytes: gauge(registry, { name: 'meridian_dead_letter_bytes', help: 'Bytes of dead-letter files kept on disk (inline bus)', labelNames: ['region'] }),
  };
}

const SEGMENT = /^\d{16}-\d{6}\.jsonl$/;

/** A file-name-safe directory per tenant: the id itself when it is plain (UUIDs are), else a hash. */
export function tenantDirName(tenantId: string): string {
  if (tenantId === '') return '_unknown';
  if (/^[A-Za-z0-9_-]{1,100}$/.test(tenantId)) return tenantId;
  return `t-${createHash('sha256').update(tenantId).digest('hex').slice(0, 32)}`;
}

/**
 * The inline bus's dead letters: `<dir>/<region>/<tenant>/<segment>.jsonl`, one JSON line per
 * parked message (body in base64) or replay marker (`{"replayed": id}`). Directories 0700, files
 * 0600. Per tenant a set of segments, each a quarter of the tenant cap, so dropping the oldest is
 * deleting a file, and listing one tenant reads only its own files.
 */
export class FileDeadLetterStore implements DeadLetterStore {
  private index?: Promise<Map<string, TenantFiles>>;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private readonly metrics?: ReturnType<typeof deadLetterMetrics>;

  constructor(
    private readonly dir: string,
    private readonly limits: DeadLetterLimits = DEFAULT_DEAD_LETTER_LIMITS,
    metrics?: SelfMetrics,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    if (metrics) this.metrics = deadLetterMetrics(metrics);
  }

  private get segmentBytes(): number {
    return Math.max(4096, Math.floor(this.limits.maxBytesPerTenant / 4));
  }

  /** One operation at a time: the caps are checked against an index this process keeps. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private key(region: string, tenantDir: string): string {
    return `${region}/${tenantDir}`;
  }

  private loadIndex(): Promise<Map<string, TenantFiles>> {
    this.index ??= (async () => {
      const index = new Map<string, TenantFiles>();
      for (const region of await listDir(this.dir)) {
        const regionDir = join(this.dir, region);
        if (!(await stat(regionDir)).isDirectory()) continue;
        for (const tenant of await listDir(regionDir)) {
          const dir = join(regionDir, tenant);
          if (!(await stat(dir)).isDirectory()) continue;
          const segments: Segment[] = [];
          for (const name of (await listDir(dir)).filter((n) => SEGMENT.test(n)).sort()) {
            const path = join(dir, name);
            segments.push({ name, path, bytes: (await stat(path)).size });
          }
          index.set(this.key(region, tenant), { region, dir, segments });
        }
      }
      await this.migrateRegionFiles(index);
      return index;
    })();
    return this.index;
  }

  /**
   * Earlier versions kept one world-readable `<dir>/<region>.jsonl` per region: its lines move
   * into the per-tenant files (markers to the tenant of their id), then it is deleted.
   */
  private async migrateRegionFiles(index: Map<string, TenantFiles>): Promise<void> {
    for (const name of (await listDir(this.dir)).filter((n) => n.endsWith('.jsonl'))) {
      const file = join(this.dir, name);
      if (!(await stat(file)).isFile()) continue;
      const region = name.slice(0, -'.jsonl'.length);
      const tenantOf = new Map<string, string>();
      const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
      for (const line of lines) {
        let o: { id?: string; tenantId?: string; replayed?: string };
        try {
          o = JSON.parse(line) as typeof o;
        } catch {
          continue;
        }
        const tenantId = typeof o.replayed === 'string' ? (tenantOf.get(o.replayed) ?? '') : String(o.tenantId ?? '');
        if (typeof o.id === 'string') tenantOf.set(o.id, tenantId);
        const name = tenantDirName(tenantId);
        let t = index.get(this.key(region, name));
        if (!t) index.set(this.key(region, name), (t = { region, dir: join(this.dir, region, name), segments: [] }));
        await this.append(t, line + '\n');
      }
      await rm(file, { force: true });
      this.log(`dead letters: moved ${lines.length} lines of ${file} into per-tenant files under ${join(this.dir, region)}`);
    }
  }

  private async tenantFiles(region: string, tenantId: string): Promise<TenantFiles> {
    const index = await this.loadIndex();
    const name = tenantDirName(tenantId);
    let t = index.get(this.key(region, name));
    if (!t) {
      t = { region, dir: join(this.dir, region, name), segments: [] };
      index.set(this.key(region, name), t);
    }
    return t;
  }

  private async ensureDirs(t: TenantFiles): Promise<void> {
    for (const d of [this.dir, join(this.dir, t.region), t.dir]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      await chmod(d, 0o700);
    }
  }

  /** Appends text to the tenant's newest segment (a new one past the segment size). */
  private async append(t: TenantFiles, text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    await this.ensureDirs(t);
    let seg = t.segments.at(-1);
    if (!seg || seg.bytes + bytes > this.segmentBytes) {
      const name = `${String(Date.now()).padStart(16, '0')}-${String(this.seq++ % 1_000_000).padStart(6, '0')}.jsonl`;
      seg = { name, path: join(t.dir, name), bytes: 0 };
      t.segments.push(seg);
    }
    await appendFile(seg.path, text, { mode: 0o600 });
    seg.bytes += bytes;
  }

  /** Parks a message; then drops the oldest segments of the tenant, and of anyone, past the caps. */
  park(message: RowBatchMessage, reason: string): Promise<void> {
    return this.serial(async () => {
      const line =
        JSON.stringify({
          at: new Date().toISOString(),
          reason,
          id: message.id,
          tenantId: message.tenantId,
          region: message.region,
          table: message.table,
          rowCount: message.rowCount,
          key: message.key,
          format: message.format,
          body: message.body.toString('base64'),
        }) + '\n';
      if (Buffer.byteLength(line) > this.segmentBytes) {
        this.metrics?.dropped.inc({ region: message.region, reason: 'larger than a tenant may keep' });
        this.log(`dead letter ${message.id} (${Buffer.byteLength(line)} bytes) is larger than a quarter of bus.deadLetters.maxBytesPerTenant; not kept`);
        return;
      }
      const t = await this.tenantFiles(message.region, message.tenantId);
      await this.append(t, line);
      while (sum(t.segments) > this.limits.maxBytesPerTenant && t.segments.length > 1) await this.dropOldest(t, 'tenant cap');
      const index = await this.loadIndex();
      while (total(index) > this.limits.maxBytesTotal) {
        const oldest = [...index.values()].filter((x) => x.segments.length > 0).sort((a, b) => a.segments[0].name.localeCompare(b.segments[0].name))[0];
        if (!oldest) break;
        await this.dropOldest(oldest, 'total cap');
      }
      this.updateBytes(index);
    });
  }

  private async dropOldest(t: TenantFiles, reason: 'tenant cap' | 'total cap'): Promise<void> {
    const seg = t.segments.shift()!;
    const text = await readFile(seg.path, 'utf8').catch(() => '');
    const entries = text.split('\n').filter((l) => l.startsWith('{"at"')).length;
    await rm(seg.path, { force: true });
    if (entries > 0) this.metrics?.dropped.inc({ region: t.region, reason }, entries);
    this.log(`dead letters: dropped the ${entries} oldest of one tenant in region ${t.region} (${reason}, ${seg.bytes} bytes)`);
  }

  private updateBytes(index: Map<string, TenantFiles>): void {
    if (!this.metrics) return;
    const byRegion = new Map<string, number>();
    for (const t of index.values()) byRegion.set(t.region, (byRegion.get(t.region) ?? 0) + sum(t.segments));
    for (const [region, bytes] of byRegion) this.metrics.bytes.set({ region }, bytes);
  }

  /** Parked messages of a region (or one tenant of it), oldest first; `limit` keeps the newest. */
  listDeadLetters(region: string, opts: DeadLetterListOptions = {}): Promise<DeadLetterEntry[]> {
    return this.serial(async () => {
      const index = await this.loadIndex();
      const tenants = [...index.values()].filter(
        (t) => t.region === region && (opts.tenantId === undefined || t.dir.endsWith(`/${tenantDirName(opts.tenantId)}`)),
      );
      const entries: DeadLetterEntry[] = [];
      for (const t of tenants) entries.push(...(await readTenant(t)));
      const mine = opts.tenantId === undefined ? entries : entries.filter((e) => e.tenantId === opts.tenantId);
      mine.sort((a, b) => a.at.localeCompare(b.at));
      return opts.limit === undefined ? mine : mine.slice(-opts.limit);
    });
  }

  /** Appends a replay marker for each id to the file set of the tenant that parked it. */
  async markReplayed(region: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const entries = await this.listDeadLetters(region);
    const tenantOf = new Map(entries.map((e) => [e.id, e.tenantId]));
    const at = new Date().toISOString();
    await this.serial(async () => {
      for (const id of ids) {
        const t = await this.tenantFiles(region, tenantOf.get(id) ?? '');
        await this.append(t, JSON.stringify({ replayed: id, at }) + '\n');
      }
    });
  }
}

async function readTenant(t: TenantFiles): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  const open = new Map<string, DeadLetterEntry[]>(); // a marker covers the entries of its id parked before it
  for (const seg of t.segments) {
    const text = await readFile(seg.path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // a line cut by a crash mid-append
      }
      if (typeof o.replayed === 'string') {
        for (const e of open.get(o.replayed) ?? []) e.replayedAt = String(o.at);
        open.delete(o.replayed);
        return;
      }
      const e: DeadLetterEntry = {
        id: String(o.id),
        tenantId: String(o.tenantId ?? ''),
        region: String(o.region),
        table: o.table as DeadLetterEntry['table'],
        rowCount: Number(o.rowCount),
        key: typeof o.key === 'string' ? o.key : undefined,
        format: o.format === 'Native' ? 'Native' : undefined,
        reason: String(o.reason),
        at: String(o.at),
        body: Buffer.from(String(o.body), 'base64'),
        position: `${seg.path}:${i + 1}`,
      };
      entries.push(e);
      open.set(e.id, [...(open.get(e.id) ?? []), e]);
    });
  }
  return entries;
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
}

function sum(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + s.bytes, 0);
}

function total(index: Map<string, TenantFiles>): number {
  let n = 0;
  for (const t of index.values()) n += sum(t.segments);
  return n;
}
