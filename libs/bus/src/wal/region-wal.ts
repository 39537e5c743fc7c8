import { chmod, mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { BusUnavailableError } from '../bus';
import type { WalMetrics } from './wal-metrics';
import { type BatchPlan, decodeRecords, encodeCheckpoint, encodeMessage, encodePlan, frameBytes, RecordType, type WalMessage } from './wal-record';

export interface WalSettings {
  /** Bytes of segment files per region (acknowledged ones included until deleted) before publish answers 503. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size; whole acknowledged segments are deleted. */
  segmentBytes: number;
  /** `always`: fdatasync before a publish resolves (a 200 survives power loss); `off`: the OS decides (benchmarks). */
  fsync: 'always' | 'off';
  /** Extra wait before a group commit so more publishes share one write + fsync (0: only what is queued meanwhile). */
  groupCommitMs: number;
  /** Retry-After when full: the ingester is behind, so a client should wait a little. */
  retryAfterSeconds?: number;
}

/** What was in the log at open and not yet acknowledged: deliver it again, plans first. */
export interface WalRecovery {
  messages: WalMessage[];
  plans: BatchPlan[];
  checkpoint: number;
  truncatedBytes: number;
}

interface Segment {
  no: number;
  path: string;
  bytes: number;
  /** Highest message seq in the segment (-1: none); the segment can go once the checkpoint passes it. */
  maxSeq: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const SEGMENT = /^(\d{16})\.wal$/;
const segmentName = (no: number) => `${String(no).padStart(16, '0')}.wal`;

/**
 * One region's write-ahead log: `<dir>/<16-digit segment no>.wal`, files 0600 in a 0700 directory.
 *
 * - Group commit: appends made while a write + fsync is running are written together by the next
 *   one, so concurrent publishes share one fsync.
 * - Records: messages (seq, header, body), batch plans (the ids of a batch before the ingester
 *   sees it, so a replay re-forms the same batch and ClickHouse sees the same dedup token), and
 *   checkpoints (every seq below is stored). Segments wholly below the checkpoint are deleted.
 * - Opening reads every segment, truncates a torn tail at the first bad frame, and returns what is
 *   not yet acknowledged; new records go to a fresh segment.
 */
export class RegionWal {
  private segments: Segment[] = [];
  private fh?: FileHandle;
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private pendingMaxSeq = -1;
  private waiters: Waiter[] = [];
  private scheduled = false;
  private flushing?: Promise<void>;
  private nextSeq = 0;
  private checkpointSeq = 0;
  private closed = false;

  private constructor(
    readonly region: string,
    private readonly dir: string,
    private readonly settings: WalSettings,
    private readonly metrics?: WalMetrics,
  ) {}

  static async open(dir: string, region: string, settings: WalSettings, metrics?: WalMetrics): Promise<{ wal: RegionWal; recovery: WalRecovery }> {
    const wal = new RegionWal(region, dir, settings, metrics);
    const recovery = await wal.recover();
    return { wal, recovery };
  }

  private async recover(): Promise<WalRecovery> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const names = (await readdir(this.dir)).filter((n) => SEGMENT.test(n)).sort();
    const messages: WalMessage[] = [];
    const plans: BatchPlan[] = [];
    let checkpoint = 0;
    let truncatedBytes = 0;
    for (const name of names) {
      const path = join(this.dir, name);
      const data = await readFile(path);
      const { records, validBytes } = decodeRecords(data);
      if (validBytes < data.length) {
        // A torn or corrupt tail: what follows the last whole record was never acknowledged.
        await truncate(path, validBytes);
        truncatedBytes += data.length - validBytes;
      }
      let maxSeq = -1;
      for (const r of records) {
        if (r.type === RecordType.Message) {
          messages.push({ seq: r.seq, message: r.message });
          maxSeq = Math.max(maxSeq, r.seq);
        } else if (r.type === RecordType.Plan) plans.push(r.plan);
        else checkpoint = Math.max(checkpoint, r.next);
      }
      this.segments.push({ no: Number(SEGMENT.exec(name)![1]), path, bytes: validBytes, maxSeq });
    }
    const open = messages.filter((m) => m.seq >= checkpoint).sort((a, b) => a.seq - b.seq);
    this.nextSeq = Math.max(checkpoint, ...this.segments.map((s) => s.maxSeq + 1));
    this.checkpointSeq = checkpoint;
    await this.startSegment((this.segments.at(-1)?.no ?? 0) + 1);
    if (truncatedBytes > 0) this.metrics?.truncatedBytes.inc({ region: this.region }, truncatedBytes);
    if (open.length > 0) this.metrics?.replayed.inc({ region: this.region }, open.length);
    // Restate the checkpoint in the new segment, so the older ones can go once they are all stored.
    if (checkpoint > 0) await this.checkpoint(checkpoint);
    this.updateBytes();
    return { messages: open, plans: plans.filter((p) => p.last >= checkpoint), checkpoint, truncatedBytes };
  }

  private async startSegment(no: number): Promise<void> {
    const path = join(this.dir, segmentName(no));
    const fh = await open(path, 'a', 0o600);
    try {
      await fh.chmod(0o600);
      await this.syncDir(); // the new file's directory entry must survive a crash too
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    this.fh = fh;
    this.segments.push({ no, path, bytes: 0, maxSeq: -1 });
  }

  private async syncDir(): Promise<void> {
    if (this.settings.fsync === 'off') return;
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /** Bytes of the log on disk plus what is waiting to be written. */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0) + this.pendingBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends messages; their seqs are given at once (in call order) and `durable` resolves after
   * the group commit that wrote them. Throws BusUnavailableError when the log is full.
   */
  append(messages: readonly RowBatchMessage[]): { seqs: number[]; durable: Promise<void> } {
    if (this.closed) throw new BusUnavailableError('bus is shutting down', 5);
    const seqs: number[] = [];
    const parts: Buffer[] = [];
    for (const m of messages) {
      const seq = this.nextSeq + seqs.length;
      seqs.push(seq);
      parts.push(...encodeMessage(seq, m));
    }
    const size = frameBytes(parts);
    if (this.bytes + size > this.settings.maxBytes) {
      this.metrics?.full.inc({ region: this.region });
      throw new BusUnavailableError(
        `write-ahead log of region ${this.region} is full (${this.bytes} of ${this.settings.maxBytes} bytes, bus.wal.maxBytes): the ingester is behind`,
        this.settings.retryAfterSeconds ?? 2,
      );
    }
    this.nextSeq += seqs.length;
    return { seqs, durable: this.enqueue(parts, seqs.at(-1) ?? -1) };
  }

  /** Persists a batch's composition before the handler sees it (never refused for size: tiny). */
  plan(plan: BatchPlan): Promise<void> {
    return this.enqueue(encodePlan(plan), -1);
  }

  /** Records that every seq below `next` is stored, then deletes the segments wholly below it. */
  async checkpoint(next: number): Promise<void> {
    await this.enqueue(encodeCheckpoint(next), -1);
    this.checkpointSeq = Math.max(this.checkpointSeq, next);
    // Only a prefix, and never the segment being written: the newest checkpoint record stays.
    while (this.segments.length > 1 && this.segments[0].maxSeq < this.checkpointSeq) {
      const s = this.segments.shift()!;
      await rm(s.path, { force: true });
    }
    this.updateBytes();
  }

  private enqueue(parts: Buffer[], maxSeq: number): Promise<void> {
    if (this.closed) return Promise.reject(new BusUnavailableError('bus is shutting down', 5));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.parts.push(...parts);
    this.pendingBytes += frameBytes(parts);
    this.pendingMaxSeq = Math.max(this.pendingMaxSeq, maxSeq);
    this.schedule();
    return done;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.waiters.length > 0) this.schedule();
      });
    };
    if (this.settings.groupCommitMs > 0) setTimeout(run, this.settings.groupCommitMs);
    else setImmediate(run);
  }

  /** One group commit: everything queued so far, one write, one fdatasync. */
  private async flush(): Promise<void> {
    const parts = this.parts;
    const waiters = this.waiters;
    const bytes = this.pendingBytes;
    const maxSeq = this.pendingMaxSeq;
    this.parts = [];
    this.waiters = [];
    this.pendingBytes = 0;
    this.pendingMaxSeq = -1;
    try {
      let active = this.segments.at(-1)!;
      if (active.bytes > 0 && active.bytes + bytes > this.settings.segmentBytes) {
        const previous = this.fh!;
        await this.startSegment(active.no + 1); // if this fails, the current segment stays open and in use
        await previous.close().catch(() => undefined);
        active = this.segments.at(-1)!;
      }
      try {
        // One gathered write, not a copy of the group into one buffer: libuv writes every part
        // (in IOV_MAX slices, resuming after short writes) or fails.
        const { bytesWritten } = await this.fh!.writev(parts);
        if (bytesWritten !== bytes) throw new Error(`write-ahead log: wrote ${bytesWritten} of ${bytes} bytes`);
        if (this.settings.fsync === 'always') {
          const t0 = performance.now();
          await this.fh!.datasync();
          this.metrics?.fsyncs.inc({ region: this.region });
          this.metrics?.fsyncSeconds.observe({ region: this.region }, (performance.now() - t0) / 1000);
        }
      } catch (e) {
        // Leave no half-written group behind: its publishes are answered 503 and retried.
        await this.fh!.truncate(active.bytes).catch(() => undefined);
        throw e;
      }
      active.bytes += bytes;
      active.maxSeq = Math.max(active.maxSeq, maxSeq);
      this.metrics?.writtenBytes.inc({ region: this.region }, bytes);
      this.updateBytes();
      for (const w of waiters) w.resolve();
    } catch (e) {
      const err =
        e instanceof BusUnavailableError
          ? e
          : new BusUnavailableError(`write-ahead log of region ${this.region} cannot be written: ${(e as Error).message}`, 5);
      for (const w of waiters) w.reject(err);
    }
  }

  private updateBytes(): void {
    this.metrics?.bytes.set({ region: this.region }, this.bytes);
  }

  /** Waits for queued writes, then closes the segment (no deletion: replay needs what is unacknowledged). */
  async close(): Promise<void> {
    while (this.flushing || this.scheduled) await (this.flushing ?? new Promise((r) => setImmediate(r)));
    this.closed = true;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }
}
