import type { Kysely } from 'kysely';
import { AuditLogRepository } from './audit-log.repository';
import type { ControlPlaneDb } from './control-plane-db';
import type { ControlPlaneSchema, KeyKind, Tenant } from './control-plane-schema';
import { IngestKeyRepository } from './ingest-key.repository';
import { MembershipRepository } from './membership.repository';
import { isUniqueViolation } from './postgres-errors';
import { TenantInputError, provisionTenantSchema, type ProvisionTenantInput } from './tenant.dto';
import { TenantRepository } from './tenant.repository';

export interface ProvisionedTenant {
  tenant: Tenant;
  /** Full keys, shown once: only their hashes are stored. */
  ingestKey: string;
  apiKey: string;
}

type ValidInput = ReturnType<ReturnType<typeof provisionTenantSchema>['parse']>;

/**
 * Creates tenants with everything they need to send data: a region fixed for good, a first
 * ingest key and api key, and audit entries saying who did it. Used by the CLI and, through
 * `ensureTenant`, by the demo at every start.
 */
export class TenantProvisioningService {
  readonly #schema: ReturnType<typeof provisionTenantSchema>;

  constructor(
    private readonly cp: ControlPlaneDb,
    allowedRegions: readonly string[],
  ) {
    if (allowedRegions.length === 0) throw new Error('TenantProvisioningService needs at least one allowed region');
    this.#schema = provisionTenantSchema([...allowedRegions]);
  }

  /**
   * Creates the tenant in a region (one of the allowed regions, else a TenantInputError naming
   * the valid ids), locks the region choice, creates a first ingest key and an api key and
   * writes audit entries, all in one transaction. Returns the full keys once.
   */
  async provisionTenant(input: ProvisionTenantInput): Promise<ProvisionedTenant> {
    const valid = this.#validate(input);
    return this.#inTransaction(valid, async (trx) => {
      const tenant = await createLocked(trx, valid);
      const keys = await issueKeys(trx, tenant, valid.actor, 'default');
      return { tenant, ...keys };
    });
  }

  /**
   * A tenant made by a signed-in user (sign-up flow): region locked, the user its owner, no
   * keys yet (the owner creates them and sees each once).
   */
  async createOwnedTenant(input: ProvisionTenantInput, ownerUserId: string): Promise<Tenant> {
    const valid = this.#validate(input);
    return this.#inTransaction(valid, async (trx) => {
      const tenant = await createLocked(trx, valid);
      await new MembershipRepository(trx).add(tenant.id, ownerUserId, 'owner');
      return tenant;
    });
  }

  async #inTransaction<T>(valid: ValidInput, work: (trx: Kysely<ControlPlaneSchema>) => Promise<T>): Promise<T> {
    try {
      return await this.cp.db.transaction().execute(work);
    } catch (err) {
      if (isUniqueViolation(err, 'tenants_slug_key')) {
        throw new TenantInputError([{ field: 'slug', message: `"${valid.slug}" is already taken` }]);
      }
      throw new Error(`failed to provision tenant "${valid.slug}" on ${this.cp.kind}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Idempotent: returns the existing tenant with a NEW ingest key and api key (stored keys
   * cannot be shown again; earlier keys stay valid), or provisions it. Refuses to "ensure" a
   * tenant in another region than the one it is locked to.
   */
  async ensureTenant(input: ProvisionTenantInput): Promise<ProvisionedTenant & { created: boolean }> {
    const valid = this.#validate(input);
    if (!(await new TenantRepository(this.cp.db).findBySlug(valid.slug))) {
      try {
        return { ...(await this.provisionTenant(valid)), created: true };
      } catch (err) {
        // Another process created it between our read and our insert: fall through and reuse it.
        if (!(err instanceof TenantInputError && err.issues.some((i) => i.field === 'slug'))) throw err;
      }
    }
    return this.cp.db.transaction().execute(async (trx) => {
      const tenants = new TenantRepository(trx);
      const existing = await tenants.findBySlug(valid.slug);
      if (!existing) throw new Error(`tenant "${valid.slug}" was deleted while being ensured`);
      if (existing.region !== valid.region) {
        throw new TenantInputError([
          {
            field: 'region',
            message: `tenant "${existing.slug}" already lives in region "${existing.region}" and a tenant's region cannot change; ask for "${existing.region}"`,
          },
        ]);
      }
      const tenant = existing.regionLockedAt ? existing : ((await tenants.lockRegion(existing.id)) ?? existing);
      const keys = await issueKeys(trx, tenant, valid.actor, 'reissued');
      return { tenant, ...keys, created: false };
    });
  }

  #validate(input: ProvisionTenantInput): ValidInput {
    const parsed = this.#schema.safeParse(input);
    if (!parsed.success) throw TenantInputError.fromZod(parsed.error);
    return parsed.data;
  }
}

/** Creates the tenant, makes its region final and audits both, in the caller's transaction. */
async function createLocked(trx: Kysely<ControlPlaneSchema>, valid: ValidInput): Promise<Tenant> {
  const created = await new TenantRepository(trx).create(valid);
  const tenant = await new TenantRepository(trx).lockRegion(created.id);
  if (!tenant) throw new Error(`tenant ${created.id} vanished while being created`);
  const audit = new AuditLogRepository(trx);
  await audit.record({
    tenantId: tenant.id,
    actor: valid.actor,
    action: 'tenant.create',
    target: `tenant:${tenant.id}`,
    details: { slug: tenant.slug, name: tenant.name, region: tenant.region, retentionDays: tenant.retentionDays },
  });
  await audit.record({
    tenantId: tenant.id,
    actor: valid.actor,
    action: 'tenant.region_lock',
    target: `tenant:${tenant.id}`,
    details: { region: tenant.region },
  });
  return tenant;
}

async function issueKeys(
  trx: Kysely<ControlPlaneSchema>,
  tenant: Tenant,
  actor: string,
  label: 'default' | 'reissued',
): Promise<{ ingestKey: string; apiKey: string }> {
  const keys = new IngestKeyRepository(trx);
  const audit = new AuditLogRepository(trx);
  const issued: Record<KeyKind, string> = { ingest: '', api: '' };
  for (const kind of ['ingest', 'api'] as const) {
    const { key, record } = await keys.create(tenant.id, { name: `${label} ${kind} key`, kind });
    await audit.record({
      tenantId: tenant.id,
      actor,
      action: `${kind}_key.create`,
      target: `ingest_key:${record.id}`,
      details: { name: record.name, kind, prefix: record.prefix },
    });
    issued[kind] = key;
  }
  return { ingestKey: issued.ingest, apiKey: issued.api };
}
