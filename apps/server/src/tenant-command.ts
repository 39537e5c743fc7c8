import { userInfo } from 'node:os';
import type { MeridianConfig } from '@meridian/config';
import {
  ControlPlaneDb,
  TENANT_INGEST_LIMIT_FIELDS,
  TenantLimitsRepository,
  TenantProvisioningService,
  TenantRepository,
  validateIngestLimitOverrides,
  type TenantIngestLimitField,
  type TenantIngestLimitOverrides,
} from '@meridian/control-plane';
import { withInfrastructure } from './command-infrastructure';
import { Infra } from './roles';

/** `meridian tenant create`: creates a tenant in a region and prints its keys once. */
export async function createTenantCommand(cfg: MeridianConfig, args: { slug?: string; name?: string; region?: string }): Promise<void> {
  if (!args.slug) throw new Error('tenant create: --slug is required (lowercase letters, digits, dashes)');
  const slug = args.slug;
  await withInfrastructure(cfg, [Infra.ControlPlane], 'meridian tenant create', async (infra) => {
    const service = new TenantProvisioningService(
      infra.get(ControlPlaneDb),
      cfg.regions.map((r) => r.id),
    );
    const region = args.region ?? cfg.defaultRegion;
    const { tenant, ingestKey, apiKey } = await service.provisionTenant({ slug, name: args.name ?? slug, region, actor: 'cli' });
    const where = cfg.regions.find((r) => r.id === tenant.region);
    console.log(`created tenant "${tenant.slug}" (${tenant.id}) in region ${tenant.region}${where ? ` — ${where.location}` : ''}`);
    console.log('keys are shown once; store them now:');
    console.log(`MERIDIAN_INGEST_KEY=${ingestKey}`);
    console.log(`MERIDIAN_API_KEY=${apiKey}`);
  });
}

/** CLI flag of each limit, as typed: `--spans-per-second 5000` or `--spans-per-second default`. */
export const LIMIT_FLAGS: Readonly<Record<TenantIngestLimitField, string>> = {
  spansPerSecond: 'spans-per-second',
  dataPointsPerSecond: 'data-points-per-second',
  logRecordsPerSecond: 'log-records-per-second',
  bytesPerSecond: 'bytes-per-second',
};

/**
 * `meridian tenant limits`: shows a tenant's ingest limits and, with limit flags, changes its
 * overrides (the operator's tool; audited). A flag set to `default` removes that override;
 * limits without a flag keep their current value. Like `tenant create`, it needs the data
 * directory to itself with the embedded control plane.
 */
export async function tenantLimitsCommand(cfg: MeridianConfig, args: { slug?: string; flags: Partial<Record<TenantIngestLimitField, string>> }): Promise<void> {
  if (!args.slug) throw new Error('tenant limits: --slug is required (the tenant to show or change)');
  const changes = parseLimitFlags(args.flags);
  const slug = args.slug;
  await withInfrastructure(cfg, [Infra.ControlPlane], 'meridian tenant limits', async (infra) => {
    const db = infra.get(ControlPlaneDb);
    const tenant = await new TenantRepository(db).findBySlug(slug);
    if (!tenant) throw new Error(`tenant limits: no tenant with slug "${slug}"`);
    const repo = new TenantLimitsRepository(db);
    let overrides = await repo.get(tenant.id);
    if (Object.keys(changes).length > 0) {
      overrides = await repo.set(tenant.id, validateIngestLimitOverrides({ ...overrides, ...changes }), cliActor()).catch((err: Error) => {
        throw new Error(`tenant limits: ${err.message.replace(/^invalid tenant: /, '')}`, { cause: err });
      });
      console.log(`updated the ingest limits of tenant "${tenant.slug}" (audited)`);
    }
    console.log(formatLimits(tenant.slug, overrides, cfg.intake.limits));
  });
}

/** `"5000"` → 5000, `"default"` → null; anything else names its flag. */
export function parseLimitFlags(flags: Partial<Record<TenantIngestLimitField, string>>): Partial<TenantIngestLimitOverrides> {
  const out: Partial<Record<TenantIngestLimitField, number | null>> = {};
  for (const field of TENANT_INGEST_LIMIT_FIELDS) {
    const raw = flags[field];
    if (raw === undefined) continue;
    if (raw.trim().toLowerCase() === 'default') out[field] = null;
    else if (/^\d+$/.test(raw.trim())) out[field] = Number(raw.trim());
    else throw new Error(`tenant limits: --${LIMIT_FLAGS[field]} expects a whole number per second or "default", got "${raw}"`);
  }
  return out;
}

function formatLimits(
  slug: string,
  overrides: TenantIngestLimitOverrides,
  defaults: Record<TenantIngestLimitField, number> & { burstSeconds: number },
): string {
  const lines = TENANT_INGEST_LIMIT_FIELDS.map((field) => {
    const override = overrides[field];
    const effective = override ?? defaults[field];
    const source = override === null ? 'default' : `override; default ${defaults[field]}`;
    return `  ${`--${LIMIT_FLAGS[field]}`.padEnd(26)} ${String(effective).padStart(12)}  (${source})`;
  });
  return [`ingest limits of tenant "${slug}":`, ...lines, `  burst: ${defaults.burstSeconds} s of each rate`].join('\n');
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
