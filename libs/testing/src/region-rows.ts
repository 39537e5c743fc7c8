import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const REPO = resolve(__dirname, '../../..');

/**
 * Spans stored per region database and tenant in a stopped server's embedded ClickHouse
 * (`<dataDir>/clickhouse`): `{ region: { tenantId: count } }`. Proves where data physically is.
 */
export async function countSpansByRegion(
  dataDir: string,
  regions: Array<{ id: string; database: string }>,
  tenantIds: string[],
): Promise<Record<string, Record<string, number>>> {
  const arg = JSON.stringify({ dataDir: join(dataDir, 'clickhouse'), regions, tenantIds });
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO, 'scripts/run-ts.js'), join(REPO, 'libs/testing/src/region-rows.script.ts'), arg], {
    cwd: REPO,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, Record<string, number>>;
}
