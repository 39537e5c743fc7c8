import { resolve, join } from 'node:path';
import type { MeridianConfig } from '@meridian/config';
import { ControlPlaneDb, TenantProvisioningService } from '@meridian/control-plane';
import { lockDataDir } from './data-dir-lock';

/** `meridian tenant create`: creates a tenant in a region and prints its keys once. */
export async function createTenantCommand(cfg: MeridianConfig, args: { slug?: string; name?: string; region?: string }): Promise<void> {
  if (!args.slug) throw new Error('tenant create: --slug is required (lowercase letters, digits, dashes)');
  const release = cfg.controlPlane.databaseUrl ? () => undefined : lockDataDir(cfg.dataDir, 'meridian tenant create');
  const db = await ControlPlaneDb.open({ databaseUrl: cfg.controlPlane.databaseUrl, pgliteDir: join(resolve(cfg.dataDir), 'control-plane') });
  try {
    await db.migrate();
    const service = new TenantProvisioningService(db, cfg.regions.map((r) => r.id));
    const region = args.region ?? cfg.defaultRegion;
    const { tenant, ingestKey, apiKey } = await service.provisionTenant({ slug: args.slug, name: args.name ?? args.slug, region, actor: 'cli' });
    const where = cfg.regions.find((r) => r.id === tenant.region);
    console.log(`created tenant "${tenant.slug}" (${tenant.id}) in region ${tenant.region}${where ? ` — ${where.location}` : ''}`);
    console.log('keys are shown once; store them now:');
    console.log(`MERIDIAN_INGEST_KEY=${ingestKey}`);
    console.log(`MERIDIAN_API_KEY=${apiKey}`);
  } finally {
    await db.close();
    release();
  }
}
