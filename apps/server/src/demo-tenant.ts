import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { MeridianConfig } from '@meridian/config';
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '@meridian/auth';
import {
  ControlPlaneDb,
  IngestKeyRepository,
  MembershipRepository,
  TenantProvisioningService,
  TenantRepository,
  UserRepository,
} from '@meridian/control-plane';

interface DemoKeys {
  ingestKey: string;
  apiKey: string;
  region: string;
  /** UI sign-in of the demo tenant's owner. */
  email: string;
  password: string;
}

const DEMO_EMAIL = 'demo@meridian.local';

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
  const cp = app.get(ControlPlaneDb);
  if (saved?.email) {
    const [ingest, api] = await Promise.all([keys.verify(saved.ingestKey, 'ingest'), keys.verify(saved.apiKey, 'api')]);
    if (ingest && api && ingest.tenantSlug === cfg.demo.tenantSlug) return { ...saved, region: ingest.region };
  }
  const provisioning = new TenantProvisioningService(
    cp,
    cfg.regions.map((r) => r.id),
  );
  const t = await provisioning.ensureTenant({ slug: cfg.demo.tenantSlug, name: 'Demo', region: cfg.defaultRegion, actor: 'system:demo' });
  const fresh: DemoKeys = {
    ingestKey: t.ingestKey,
    apiKey: t.apiKey,
    region: t.tenant.region,
    email: DEMO_EMAIL,
    password: saved?.password ?? randomBytes(12).toString('base64url'),
  };
  await ensureDemoOwner(cp, cfg.demo.tenantSlug, fresh.password);
  await writeFile(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return fresh;
}

/** A local owner account for the demo tenant, so the UI can be tried at once. */
async function ensureDemoOwner(cp: ControlPlaneDb, tenantSlug: string, password: string): Promise<void> {
  const users = new UserRepository(cp);
  const passwordHash = await new PasswordHasher().hash(password);
  const existing = await users.credentialsByEmail(DEMO_EMAIL);
  if (existing) await users.setPasswordHash(existing.id, passwordHash);
  const user = existing ?? (await users.create(DEMO_EMAIL, passwordHash));
  const tenant = await new TenantRepository(cp).findBySlug(tenantSlug);
  if (tenant) await new MembershipRepository(cp).add(tenant.id, user.id, 'owner');
}
