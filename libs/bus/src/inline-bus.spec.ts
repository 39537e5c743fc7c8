import type { RowBatchMessage } from '@meridian/domain';
import { BusUnavailableError } from './bus';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from './inline-bus';

const deadLetterDir = mkdtempSync(join(tmpdir(), 'meridian-dlq-'));

let seq = 0;
function msg(region: string, rows: number, bytes = 100): RowBatchMessage {
  return { id: `m${++seq}`, tenantId: 't1', region, table: 'spans', rowCount: rows, body: Buffer.alloc(bytes, 'x') };
}

describe('InlineBus', () => {
  it('refuses publishing to a region nobody consumes', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 1000 });
    await expect(bus.publish([msg('r1', 1)])).rejects.toBeInstanceOf(BusUnavailableError);
  });

  it('delivers batches bounded by rows and keeps per-region order', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 1_000_000 });
    const seen: string[][] = [];
    const c = bus.consume('r1', { maxBytes: 1_000_000, maxRows: 3, maxWaitMs: 20 }, async (b) => {
      seen.push(b.map((m) => m.id));
    });
    const ms = [msg('r1', 1), msg('r1', 1), msg('r1', 1), msg('r1', 1)];
    await bus.publish(ms);
    expect(await bus.drain(2_000)).toBe(true);
    await c.stop();
    expect(seen.flat()).toEqual(ms.map((m) => m.id));
    expect(Math.max(...seen.map((b) => b.length))).toBeLessThanOrEqual(3);
  });

  it('pushes back when full and accepts again once the consumer catches up', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 250, redeliveryDelayMs: 10 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = bus.consume('r1', { maxBytes: 1000, maxRows: 100, maxWaitMs: 5 }, () => gate);
    await bus.publish([msg('r1', 1), msg('r1', 1)]);
    const err = await bus.publish([msg('r1', 1)]).catch((e) => e);
    expect(err).toBeInstanceOf(BusUnavailableError);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    release();
    expect(await bus.drain(2_000)).toBe(true);
    await bus.publish([msg('r1', 1)]);
    expect(await bus.drain(2_000)).toBe(true);
    await c.stop();
  });

  it('redelivers the same batch until the handler succeeds (nothing dropped)', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 10_000, redeliveryDelayMs: 5 });
    let failures = 2;
    const stored: string[] = [];
    const c = bus.consume('r1', { maxBytes: 10_000, maxRows: 10, maxWaitMs: 5 }, async (b) => {
      if (failures-- > 0) throw new Error('clickhouse down');
      stored.push(...b.map((m) => m.id));
    });
    const ms = [msg('r1', 2), msg('r1', 2)];
    await bus.publish(ms);
    expect(await bus.drain(2_000)).toBe(true);
    await c.stop();
    expect(stored).toEqual(ms.map((m) => m.id));
    expect(bus.stats()[0]).toMatchObject({ queuedMessages: 0, queuedBytes: 0, deliveredMessages: 2 });
  });

  it('stop() delivers what is queued before returning', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 10_000 });
    const stored: string[] = [];
    const c = bus.consume('r1', { maxBytes: 10_000, maxRows: 1000, maxWaitMs: 10_000 }, async (b) => {
      stored.push(...b.map((m) => m.id));
    });
    await bus.publish([msg('r1', 1), msg('r1', 1)]);
    await c.stop();
    expect(stored).toHaveLength(2);
  });

  it('parks dead letters with their reason and original bytes', async () => {
    const bus = new InlineBus({ deadLetterDir, maxBytesPerRegion: 1000 });
    const m = msg('r9', 1, 10);
    await bus.deadLetter(m, 'CANNOT_PARSE_INPUT: bad row');
    const [file] = readdirSync(join(deadLetterDir, 'r9', 't1'));
    const line = JSON.parse(readFileSync(join(deadLetterDir, 'r9', 't1', file), 'utf8').trim());
    expect(line).toMatchObject({ id: m.id, reason: 'CANNOT_PARSE_INPUT: bad row', table: 'spans' });
    expect(Buffer.from(line.body, 'base64').equals(m.body)).toBe(true);
  });

  it('lists parked messages and records replays by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-dlq-list-'));
    const bus = new InlineBus({ deadLetterDir: dir, maxBytesPerRegion: 1000 });
    const a = msg('r1', 2, 5);
    const b = msg('r1', 1, 7);
    await bus.deadLetter(a, 'reason a');
    await bus.deadLetter(b, 'reason b');
    await bus.markReplayed('r1', [a.id]);
    const list = await bus.listDeadLetters('r1');
    expect(list.map((e) => [e.id, e.reason, e.rowCount, Boolean(e.replayedAt)])).toEqual([
      [a.id, 'reason a', 2, true],
      [b.id, 'reason b', 1, false],
    ]);
    expect(list[1].body.equals(b.body)).toBe(true);
    expect(await bus.listDeadLetters('r1', { limit: 1 })).toHaveLength(1);
    expect(await bus.listDeadLetters('nothing-here')).toEqual([]);
  });
});
