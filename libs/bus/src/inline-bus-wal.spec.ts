import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { BusUnavailableError } from './bus';
import { InlineBus, type InlineBusOptions } from './inline-bus';

let seq = 0;
function msg(rows = 1, bytes = 100): RowBatchMessage {
  return { id: `w${++seq}`, tenantId: 't1', region: 'r1', table: 'spans', rowCount: rows, body: Buffer.alloc(bytes, 'y') };
}

function options(dataDir: string, overrides: Partial<InlineBusOptions['wal']> = {}): InlineBusOptions {
  return {
    maxBytesPerRegion: 10 * 1024 * 1024,
    deadLetterDir: join(dataDir, 'dead-letter'),
    redeliveryDelayMs: 5,
    log: () => undefined,
    wal: { dir: join(dataDir, 'wal'), maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: 'always', groupCommitMs: 0, ...overrides },
  };
}

const never = new Promise<void>(() => undefined);
const until = async (cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('InlineBus with the write-ahead log', () => {
  it('a resolved publish survives the process: a new bus on the same directory delivers it, in publish order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    const crashed = new InlineBus(options(dir));
    crashed.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 60_000 }, () => never); // never stores
    const ms = Array.from({ length: 30 }, () => msg());
    await Promise.all([crashed.publish(ms.slice(0, 10)), crashed.publish(ms.slice(10, 20))]);
    await crashed.publish(ms.slice(20));
    // No close(): as after kill -9.

    const restarted = new InlineBus(options(dir));
    const seen: string[] = [];
    const c = restarted.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 5 }, async (b) => void seen.push(...b.map((m) => m.id)));
    await until(() => seen.length >= 30);
    await c.stop();
    expect(seen).toEqual(ms.map((m) => m.id));
    await restarted.close();
  });

  it('re-forms a batch that was being stored at the crash with the same messages (same dedup token), although more arrived', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    const crashed = new InlineBus(options(dir));
    const inFlight: string[][] = [];
    crashed.consume('r1', { maxBytes: 1 << 20, maxRows: 3, maxWaitMs: 5 }, (b) => {
      inFlight.push(b.map((m) => m.id));
      return never; // the insert was running (maybe done in ClickHouse) when the process died
    });
    const first = Array.from({ length: 5 }, () => msg());
    await crashed.publish(first);
    await until(() => inFlight.length === 1);
    const later = Array.from({ length: 4 }, () => msg());
    await crashed.publish(later);

    const restarted = new InlineBus(options(dir));
    const batches: string[][] = [];
    const c = restarted.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 5 }, async (b) => void batches.push(b.map((m) => m.id)));
    await until(() => batches.flat().length >= 9);
    await c.stop();
    expect(batches[0]).toEqual(inFlight[0]); // same composition → same token → a no-op if it had been stored
    expect(batches.flat()).toEqual([...first, ...later].map((m) => m.id));
    await restarted.close();
  });

  it('a failed batch is delivered again with the same composition even when more messages arrived', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    const bus = new InlineBus(options(dir));
    const batches: string[][] = [];
    let fail = true;
    let gotFirst!: () => void;
    const firstSeen = new Promise<void>((r) => (gotFirst = r));
    const c = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 5 }, async (b) => {
      batches.push(b.map((m) => m.id));
      gotFirst();
      if (fail) {
        await new Promise((r) => setTimeout(r, 30));
        fail = false;
        throw new Error('clickhouse timeout');
      }
    });
    const a = [msg(), msg()];
    await bus.publish(a);
    await firstSeen;
    await bus.publish([msg(), msg()]); // arrives while the first attempt is failing
    await until(() => batches.flat().length >= 6);
    await c.stop();
    expect(batches[0]).toEqual(a.map((m) => m.id));
    expect(batches[1]).toEqual(a.map((m) => m.id));
    await bus.close();
  });

  it('acknowledged batches are not delivered again after a restart, and their segments are deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    const bus = new InlineBus(options(dir, { segmentBytes: 4096 }));
    const stored: string[] = [];
    const c = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 5, maxWaitMs: 5 }, async (b) => void stored.push(...b.map((m) => m.id)));
    for (let i = 0; i < 40; i++) await bus.publish([msg(1, 500)]);
    expect(await bus.drain(5_000)).toBe(true);
    await c.stop();
    await bus.close();
    const walDir = join(dir, 'wal', 'r1');
    expect(readdirSync(walDir).length).toBeLessThanOrEqual(2);
    expect(statSync(walDir).mode & 0o777).toBe(0o700);

    const again = new InlineBus(options(dir));
    const replayed: string[] = [];
    const c2 = again.consume('r1', { maxBytes: 1 << 20, maxRows: 5, maxWaitMs: 5 }, async (b) => void replayed.push(...b.map((m) => m.id)));
    await new Promise((r) => setTimeout(r, 100));
    await c2.stop();
    expect(stored).toHaveLength(40);
    expect(replayed).toEqual([]);
    await again.close();
  });

  it('answers 503 while the log cannot be opened, and works once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    mkdirSync(join(dir, 'wal'));
    writeFileSync(join(dir, 'wal', 'r1'), 'a file where the region directory belongs');
    const bus = new InlineBus(options(dir));
    const stored: string[] = [];
    const c = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 5 }, async (b) => void stored.push(...b.map((m) => m.id)));
    const err = await bus.publish([msg()]).catch((e) => e);
    expect(err).toBeInstanceOf(BusUnavailableError);
    expect(err.message).toMatch(/write-ahead log of region r1 cannot be opened/);
    rmSync(join(dir, 'wal', 'r1'));
    const m = msg();
    await bus.publish([m]);
    await until(() => stored.includes(m.id));
    await c.stop();
    await bus.close();
  });

  it('answers 503 (BusUnavailableError) when the log is full, before anything is queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-inline-wal-'));
    const bus = new InlineBus(options(dir, { maxBytes: 7_500, segmentBytes: 2_000 }));
    bus.consume('r1', { maxBytes: 1 << 20, maxRows: 1000, maxWaitMs: 60_000 }, () => never);
    for (let i = 0; i < 7; i++) await bus.publish([msg(1, 900)]);
    const err = await bus.publish([msg(1, 900)]).catch((e) => e);
    expect(err).toBeInstanceOf(BusUnavailableError);
    expect(bus.stats()[0].queuedMessages).toBe(7);
  });
});
