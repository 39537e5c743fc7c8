import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowBatchMessage } from '@meridian/domain';
import { createSelfMetrics } from '@meridian/self-metrics';
import { FileDeadLetterStore, tenantDirName } from './dead-letter-files';

let seq = 0;
function msg(tenantId: string, bytes = 1000, region = 'r1'): RowBatchMessage {
  return { id: `d${++seq}`, tenantId, region, table: 'spans', rowCount: 1, body: Buffer.alloc(bytes, 'z') };
}

async function dropped(metrics: ReturnType<typeof createSelfMetrics>, reason: string): Promise<number> {
  const m = await metrics.getSingleMetric('meridian_dead_letters_dropped_total')!.get();
  return m.values.filter((v) => v.labels.reason === reason).reduce((n, v) => n + v.value, 0);
}

const bytesOf = (dir: string): number =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);

describe('FileDeadLetterStore', () => {
  it('keeps one set of files per tenant and region, 0600 files in 0700 directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-dl-'));
    const store = new FileDeadLetterStore(dir);
    await store.park(msg('tenant-a'), 'bad a');
    await store.park(msg('tenant-b'), 'bad b');
    await store.park(msg('tenant-a', 10, 'r2'), 'bad a2');
    for (const d of [dir, join(dir, 'r1'), join(dir, 'r1', 'tenant-a'), join(dir, 'r1', 'tenant-b'), join(dir, 'r2', 'tenant-a')]) {
      expect(statSync(d).mode & 0o777).toBe(0o700);
    }
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((x) => x.isFile())) {
      expect(statSync(join(e.parentPath, e.name)).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps a parked body byte for byte with its format, so a replay inserts it as it was', async () => {
    const store = new FileDeadLetterStore(mkdtempSync(join(tmpdir(), 'meridian-dl-')));
    const native: RowBatchMessage = { ...msg('tenant-n'), format: 'Native', body: Buffer.from([0, 1, 2, 255, 10]) };
    const json = msg('tenant-n');
    await store.park(native, 'why');
    await store.park(json, 'why');
    const listed = await store.listDeadLetters('r1', { tenantId: 'tenant-n' });
    expect(listed.map((e) => [e.id, e.format, e.body.toString('hex')])).toEqual([
      [native.id, 'Native', '000102ff0a'],
      [json.id, undefined, json.body.toString('hex')],
    ]);
  });

  it('lists one tenant without the others, and the whole region oldest first; replay markers are per tenant', async () => {
    const store = new FileDeadLetterStore(mkdtempSync(join(tmpdir(), 'meridian-dl-')));
    const a1 = msg('tenant-a');
    const b1 = msg('tenant-b');
    const a2 = msg('tenant-a');
    for (const m of [a1, b1, a2]) {
      await store.park(m, `why ${m.id}`);
      await new Promise((r) => setTimeout(r, 2)); // distinct timestamps
    }
    expect((await store.listDeadLetters('r1', { tenantId: 'tenant-a' })).map((e) => e.id)).toEqual([a1.id, a2.id]);
    expect((await store.listDeadLetters('r1', { tenantId: 'tenant-b' })).map((e) => e.id)).toEqual([b1.id]);
    expect((await store.listDeadLetters('r1')).map((e) => e.id)).toEqual([a1.id, b1.id, a2.id]);
    expect(await store.listDeadLetters('r1', { tenantId: 'nobody' })).toEqual([]);
    await store.markReplayed('r1', [b1.id]);
    const all = await store.listDeadLetters('r1');
    expect(all.map((e) => [e.id, Boolean(e.replayedAt)])).toEqual([
      [a1.id, false],
      [b1.id, true],
      [a2.id, false],
    ]);
    expect(all[0].body.equals(a1.body)).toBe(true);
  });

  it('drops a tenant’s oldest dead letters past its cap, counts them, and leaves other tenants alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-dl-'));
    const metrics = createSelfMetrics();
    const store = new FileDeadLetterStore(dir, { maxBytesPerTenant: 20_000, maxBytesTotal: 10_000_000 }, metrics);
    const victim = msg('victim');
    await store.park(victim, 'one bad row');
    const flood = Array.from({ length: 100 }, () => msg('noisy', 1000));
    for (const m of flood) await store.park(m, 'bad');
    const noisy = await store.listDeadLetters('r1', { tenantId: 'noisy' });
    expect(noisy.length).toBeGreaterThan(5);
    expect(noisy.length).toBeLessThan(100);
    expect(noisy.at(-1)!.id).toBe(flood.at(-1)!.id); // the newest are kept
    expect(noisy[0].id).not.toBe(flood[0].id); // the oldest went
    expect(bytesOf(join(dir, 'r1', 'noisy'))).toBeLessThanOrEqual(20_000);
    expect(await dropped(metrics, 'tenant cap')).toBe(100 - noisy.length);
    expect((await store.listDeadLetters('r1', { tenantId: 'victim' })).map((e) => e.id)).toEqual([victim.id]);
  });

  it('keeps the whole directory under the total cap by dropping the oldest of any tenant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-dl-'));
    const metrics = createSelfMetrics();
    const store = new FileDeadLetterStore(dir, { maxBytesPerTenant: 40_000, maxBytesTotal: 50_000 }, metrics);
    const tenants = ['t1', 't2', 't3', 't4'];
    for (let i = 0; i < 120; i++) await store.park(msg(tenants[i % 4], 1000, i % 2 ? 'r1' : 'r2'), 'bad');
    expect(bytesOf(dir)).toBeLessThanOrEqual(50_000);
    expect(await dropped(metrics, 'total cap')).toBeGreaterThan(0);
    // A restarted process sees the same files and keeps enforcing the cap.
    const again = new FileDeadLetterStore(dir, { maxBytesPerTenant: 40_000, maxBytesTotal: 50_000 }, metrics);
    for (let i = 0; i < 40; i++) await again.park(msg('t5', 1000), 'bad');
    expect(bytesOf(dir)).toBeLessThanOrEqual(50_000);
  });

  it('moves an earlier version’s world-readable <region>.jsonl into per-tenant files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-dl-'));
    const line = (id: string, tenantId: string) =>
      JSON.stringify({ at: `2026-12-01T00:00:0${id.slice(-1)}.000Z`, reason: 'old', id, tenantId, region: 'r1', table: 'spans', rowCount: 1, body: 'W10K' });
    writeFileSync(
      join(dir, 'r1.jsonl'),
      [line('old-1', 'tenant-a'), line('old-2', 'tenant-b'), JSON.stringify({ replayed: 'old-2', at: '2026-12-02T00:00:00.000Z' })].join('\n') + '\n',
      { mode: 0o644 },
    );
    const store = new FileDeadLetterStore(dir);
    expect((await store.listDeadLetters('r1', { tenantId: 'tenant-a' })).map((e) => e.id)).toEqual(['old-1']);
    const b = await store.listDeadLetters('r1', { tenantId: 'tenant-b' });
    expect(b.map((e) => [e.id, e.replayedAt])).toEqual([['old-2', '2026-12-02T00:00:00.000Z']]);
    expect(existsSync(join(dir, 'r1.jsonl'))).toBe(false);
    expect(statSync(join(dir, 'r1', 'tenant-a')).mode & 0o777).toBe(0o700);
  });

  it('names tenant directories safely', () => {
    expect(tenantDirName('4b0a5f9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b')).toBe('4b0a5f9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(tenantDirName('../../etc')).toMatch(/^t-[0-9a-f]{32}$/);
    expect(tenantDirName('')).toBe('_unknown');
  });
});
