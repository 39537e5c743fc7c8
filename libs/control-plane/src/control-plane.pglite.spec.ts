import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneDb } from './control-plane-db';
import { describeControlPlaneContract } from './control-plane.contract';
import { IngestKeyRepository } from './ingest-key.repository';
import { TenantProvisioningService } from './tenant-provisioning.service';
import { TenantRepository } from './tenant.repository';

describe('control plane on PGlite (in-memory)', () => {
  describeControlPlaneContract(async () => {
    const cp = await ControlPlaneDb.open({ pgliteDir: ':memory:' });
    expect(cp.kind).toBe('pglite');
    return cp;
  });
});

describe('control plane on PGlite (data directory)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-cp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps tenants and keys across close and reopen, without re-applying migrations', async () => {
    const dataDir = join(dir, 'nested', 'control-plane');
    const first = await ControlPlaneDb.open({ pgliteDir: dataDir });
    expect(first.location).toBe(dataDir);
    expect(await first.migrate()).toEqual(['0001_initial', '0002_accounts', '0003_alerting', '0004_ingest_limits_usage', '0005_signup_verifications']);
    const provisioned = await new TenantProvisioningService(first, ['eu-west-1']).provisionTenant({
      slug: 'persisted',
      name: 'Persisted Inc.',
      region: 'eu-west-1',
      actor: 'test:pglite',
    });
    await first.close();
    await first.close(); // twice is fine
    await expect(first.db.selectFrom('tenants').selectAll().execute()).rejects.toThrow('destroyed');

    const second = await ControlPlaneDb.open({ pgliteDir: dataDir });
    try {
      expect(await second.migrate()).toEqual([]);
      expect(await new TenantRepository(second.db).findBySlug('persisted')).toEqual(provisioned.tenant);
      const keys = new IngestKeyRepository(second.db);
      expect(await keys.verify(provisioned.ingestKey)).toMatchObject({ tenantId: provisioned.tenant.id, region: 'eu-west-1' });
      expect(await keys.verify(provisioned.apiKey, 'api')).toMatchObject({ tenantId: provisioned.tenant.id });
      const again = await new TenantProvisioningService(second, ['eu-west-1']).ensureTenant({
        slug: 'persisted',
        name: 'Persisted Inc.',
        region: 'eu-west-1',
        actor: 'test:pglite',
      });
      expect(again).toMatchObject({ created: false, tenant: provisioned.tenant });
    } finally {
      await second.close();
    }
  });
});
