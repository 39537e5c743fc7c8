import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { MeridianConfig } from '@meridian/config';
import { ControlPlaneDb, IngestKeyRepository, TenantProvisioningService } from '@meridian/control-plane';

interface DemoKeys {
  ingestKey: string;
  apiKey: string;
  region: string;
}

/**
 * The demo tenant exists on every embedded start. Its keys are kept in the data directory
 * (mode 600) so a restart prints the same key and running SDKs keep working; the control plane
 * itself stores only hashes.
 */
export async function ensureDemoTenant(app: INestApplication, cfg: MeridianConfig): Promise<DemoKeys> {
  const file = join(resolve(cfg.dataDir), 'demo-tenant.json');
  const keys = app.get(IngestKeyRepository);
  const saved = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as DemoKeys,
    () => undefined,
  );
  if (saved) {
    const [ingest, api] = await Promise.all([keys.verify(saved.ingestKey, 'ingest'), keys.verify(saved.apiKey, 'api')]);
    if (ingest && api && ingest.tenantSlug === cfg.demo.tenantSlug) return { ...saved, region: ingest.region };
  }
  const provisioning = new TenantProvisioningService(app.get(ControlPlaneDb), cfg.regions.map((r) => r.id));
  const t = await provisioning.ensureTenant({ slug: cfg.demo.tenantSlug, name: 'Demo', region: cfg.defaultRegion, actor: 'system:demo' });
  const fresh: DemoKeys = { ingestKey: t.ingestKey, apiKey: t.apiKey, region: t.tenant.region };
  await writeFile(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return fresh;
}
