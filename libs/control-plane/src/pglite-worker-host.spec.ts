import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGliteWorkerHost } from './pglite-worker-host';

describe('PGliteWorkerHost memory bounds', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('initialises a new data directory in a thread of its own, then serves it with 16 MB of shared buffers', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'meridian-pglite-')), 'db');
    dirs.push(dir);
    const host = await PGliteWorkerHost.start(dir);
    try {
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      const { rows } = await host.query("SELECT current_setting('shared_buffers') AS sb", []);
      expect(rows).toEqual([{ sb: '16MB' }]);
      await host.query('CREATE TABLE t (a int)', []);
    } finally {
      await host.close();
    }
    const again = await PGliteWorkerHost.start(dir);
    try {
      expect((await again.query('SELECT count(*)::int AS n FROM t', [])).rows).toEqual([{ n: 0 }]);
    } finally {
      await again.close();
    }
  }, 120_000);
});
