import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { createSelfMetrics } from '@meridian/self-metrics';
import { BusUnavailableError } from '../bus';
import { RegionWal, type WalSettings } from './region-wal';
import { walMetrics } from './wal-metrics';

const SETTINGS: WalSettings = { maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: 'always', groupCommitMs: 0 };

let seq = 0;
function msg(bytes = 100, tenantId = 't1'): RowBatchMessage {
  return { id: `m${++seq}`, tenantId, region: 'r1', table: 'spans', rowCount: 1, body: Buffer.alloc(bytes, String(seq % 10)), key: 'ab' };
}

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'meridian-wal-')), 'r1');
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort();

describe('RegionWal', () => {
  it('reads back appended messages in order, byte for byte and with their body format, after a reopen', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', SETTINGS);
    const ms: RowBatchMessage[] = [msg(10), { ...msg(2000), format: 'Native' }, msg(1)];
    const a = wal.append(ms.slice(0, 2));
    const b = wal.append(ms.slice(2));
    await Promise.all([a.durable, b.durable]);
    expect([...a.seqs, ...b.seqs]).toEqual([0, 1, 2]);
    await wal.close();

    const { wal: again, recovery } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(recovery.messages.map((m) => m.seq)).toEqual([0, 1, 2]);
    expect(recovery.messages.map((m) => m.message)).toEqual(ms);
    expect(recovery.messages.map((m) => m.message.format)).toEqual([undefined, 'Native', undefined]);
    // New appends continue the sequence.
    expect(again.append([msg()]).seqs).toEqual([3]);
    await again.close();
  });

  it('shares one fsync among concurrent appends (group commit)', async () => {
    const metrics = createSelfMetrics();
    const m = walMetrics(metrics);
    const { wal } = await RegionWal.open(freshDir(), 'r1', SETTINGS, m);
    const before = (await m.fsyncs.get()).values.reduce((n, v) => n + v.value, 0);
    await Promise.all(Array.from({ length: 50 }, () => wal.append([msg()]).durable));
    const after = (await m.fsyncs.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(3);
    await wal.close();
  });

  it('keeps files 0600 in a 0700 directory', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', SETTINGS);
    await wal.append([msg()]).durable;
    await wal.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const s of segments(dir)) expect(statSync(join(dir, s)).mode & 0o777).toBe(0o600);
  });

  it('tolerates a torn last record: truncates at it and keeps every whole record before', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', SETTINGS);
    const ms = [msg(), msg()];
    await wal.append(ms).durable;
    await wal.close();
    const [file] = segments(dir);
    const good = statSync(join(dir, file)).size;
    // A crash mid-append: the frame header says 500 bytes follow, only 20 made it.
    const torn = Buffer.alloc(29);
    torn.writeUInt32LE(500, 0);
    appendFileSync(join(dir, file), torn);

    const { wal: again, recovery } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(recovery.messages.map((m) => m.message.id)).toEqual(ms.map((m) => m.id));
    expect(recovery.truncatedBytes).toBe(29);
    expect(statSync(join(dir, file)).size).toBe(good);
    await again.close();
  });

  it('stops at a CRC mismatch: the damaged record and what follows it in that segment are not delivered', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', SETTINGS);
    const [a, b, c] = [msg(50), msg(50), msg(50)];
    await wal.append([a]).durable;
    await wal.append([b, c]).durable;
    await wal.close();
    const [file] = segments(dir);
    const data = readFileSync(join(dir, file));
    const at = data.indexOf(b.body); // flip a byte inside b's body
    data[at] ^= 0xff;
    writeFileSync(join(dir, file), data);

    const { wal: again, recovery } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(recovery.messages.map((m) => m.message.id)).toEqual([a.id]);
    expect(recovery.truncatedBytes).toBeGreaterThan(0);
    await again.close();
  });

  it('a checkpoint hides stored messages from the replay and deletes whole segments below it', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', { ...SETTINGS, segmentBytes: 4096 });
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const w = wal.append([msg(1000)]);
      seqs.push(...w.seqs);
      await w.durable;
    }
    expect(segments(dir).length).toBeGreaterThan(4);
    await wal.checkpoint(15);
    const left = segments(dir);
    expect(left.length).toBeLessThanOrEqual(3); // the segment holding seq 15.., and the one being written
    expect(wal.bytes).toBeLessThan(8 * 1024);
    await wal.close();

    const { wal: again, recovery } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(recovery.checkpoint).toBe(15);
    expect(recovery.messages.map((m) => m.seq)).toEqual([15, 16, 17, 18, 19]);
    await again.checkpoint(20);
    await again.close();
    const { wal: third, recovery: none } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(none.messages).toEqual([]);
    expect(segments(dir).length).toBeLessThanOrEqual(2);
    await third.close();
  });

  it('refuses appends past maxBytes with BusUnavailableError (503 + Retry-After), and accepts again after a checkpoint', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', { ...SETTINGS, maxBytes: 10_000, segmentBytes: 2_000 });
    let last = -1;
    for (let i = 0; i < 9; i++) {
      const w = wal.append([msg(900)]);
      last = w.seqs[0];
      await w.durable;
    }
    let err: unknown;
    try {
      wal.append([msg(900)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BusUnavailableError);
    expect((err as BusUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect((err as Error).message).toMatch(/bus\.wal\.maxBytes/);
    await wal.checkpoint(last + 1);
    await wal.append([msg(900)]).durable;
    await wal.close();
  });

  it('returns pending batch plans; acknowledged ones are gone', async () => {
    const dir = freshDir();
    const { wal } = await RegionWal.open(dir, 'r1', SETTINGS);
    const ms = [msg(), msg(), msg(), msg()];
    await wal.append(ms).durable;
    await wal.plan({ first: 0, last: 1, ids: [ms[0].id, ms[1].id] });
    await wal.checkpoint(2);
    await wal.plan({ first: 2, last: 3, ids: [ms[2].id, ms[3].id] });
    await wal.close();
    const { wal: again, recovery } = await RegionWal.open(dir, 'r1', SETTINGS);
    expect(recovery.plans).toEqual([{ first: 2, last: 3, ids: [ms[2].id, ms[3].id] }]);
    expect(recovery.messages.map((m) => m.message.id)).toEqual([ms[2].id, ms[3].id]);
    await again.close();
  });
});
