import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDeadLetterStore } from '@meridian/bus';
import { loadConfig } from '@meridian/config';
import { ControlPlaneDb, TenantProvisioningService } from '@meridian/control-plane';
import type { RowBatchMessage } from '@meridian/domain';
import { deadLetterCommand } from './dead-letter-command';

const REGION = 'ap-northeast-1';

function parked(id: string, tenantId: string): RowBatchMessage {
  return { id, tenantId, region: REGION, table: 'spans', rowCount: 1, body: Buffer.from('[]\n') };
}

async function printed(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

describe('meridian dead-letters list --tenant', () => {
  it('lists one tenant’s dead letters, named by slug or by id', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-dl-cli-'));
    const cfg = loadConfig({ MERIDIAN_DATA_DIR: dataDir });
    const db = await ControlPlaneDb.open({ pgliteDir: join(dataDir, 'control-plane') });
    let acme: string;
    let other: string;
    try {
      await db.migrate();
      const provisioning = new TenantProvisioningService(
        db,
        cfg.regions.map((r) => r.id),
      );
      acme = (await provisioning.provisionTenant({ slug: 'acme', name: 'Acme', region: REGION, actor: 'test' })).tenant.id;
      other = (await provisioning.provisionTenant({ slug: 'other', name: 'Other', region: REGION, actor: 'test' })).tenant.id;
    } finally {
      await db.close();
    }
    const store = new FileDeadLetterStore(join(dataDir, 'dead-letter'));
    await store.park(parked('acme-1', acme), 'bad row');
    await store.park(parked('other-1', other), 'bad row');
    await store.park(parked('acme-2', acme), 'bad row');

    const bySlug = await printed(() => deadLetterCommand(cfg, 'list', { region: REGION, tenant: 'acme' }));
    expect(bySlug).toContain('acme-1');
    expect(bySlug).toContain('acme-2');
    expect(bySlug).not.toContain('other-1');
    expect(bySlug).toMatch(/2 dead letters, 2 not replayed/);

    const byId = await printed(() => deadLetterCommand(cfg, 'list', { region: REGION, tenant: other }));
    expect(byId).toContain('other-1');
    expect(byId).not.toContain('acme-');

    await expect(deadLetterCommand(cfg, 'list', { region: REGION, tenant: 'nobody' })).rejects.toThrow(/--tenant: no tenant with slug "nobody"/);
    // Each command opens the control plane as the CLI does (PGlite start and migrations, ~10 s on a loaded machine).
  }, 180_000);
});
