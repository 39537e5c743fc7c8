import { createHash } from 'node:crypto';
import { sql, type KyselyPlugin } from 'kysely';
import { AuditLogRepository } from './audit-log.repository';
import { InvitationAcceptance, InvitationError } from './invitation-acceptance';
import { InvitationSignup, SignupVerificationRepository } from './signup';
import { InvitationRepository } from './invitation.repository';
import { MembershipRepository } from './membership.repository';
import { SessionRepository } from './session.repository';
import { EmailTakenError, UserRepository } from './user.repository';
import type { ControlPlaneDb } from './control-plane-db';
import { ControlPlaneTransactions } from './control-plane-transactions';
import { IngestKeyRepository } from './ingest-key.repository';
import { TenantInputError } from './tenant.dto';
import { TenantProvisioningService } from './tenant-provisioning.service';
import { TenantRepository } from './tenant.repository';
import { TenantLimitsRepository } from './tenant-limits.repository';
import { UsageRepository } from './usage.repository';
import type { UsageDelta } from './control-plane-schema';

/**
 * The behaviour every control-plane engine must show. Run by the PGlite spec and, when
 * DATABASE_URL is set, by the PostgreSQL spec: same tests, same expectations.
 * `open` returns a database of its own, not yet migrated.
 */
export function describeControlPlaneContract(open: () => Promise<ControlPlaneDb>): void {
  const REGIONS = ['ap-northeast-1', 'ap-northeast-2'] as const;
  let cp: ControlPlaneDb;
  let service: TenantProvisioningService;
  let firstMigration: string[];
  let n = 0;
  const slug = (base: string) => `${base}-${++n}`;
  const provision = (s: string, region: string = REGIONS[0]) => service.provisionTenant({ slug: s, name: `Tenant ${s}`, region, actor: 'test:contract' });
  const acceptance = () =>
    new InvitationAcceptance(new ControlPlaneTransactions(cp), new InvitationRepository(cp), new MembershipRepository(cp), new AuditLogRepository(cp));
  const signUpWithInvitation = (email: string, token: string) =>
    new InvitationSignup(
      new ControlPlaneTransactions(cp),
      new InvitationRepository(cp),
      new UserRepository(cp),
      new AuditLogRepository(cp),
      acceptance(),
    ).signUp(email, 'h', token, '10.0.0.1');

  beforeAll(async () => {
    cp = await open();
    firstMigration = await cp.migrate();
    service = new TenantProvisioningService(cp, REGIONS);
  });
  afterAll(async () => {
    await cp?.close();
  });

  describe('migrations', () => {
    it('apply once and are a no-op afterwards', async () => {
      expect(firstMigration).toEqual(['0001_initial', '0002_accounts', '0003_alerting', '0004_ingest_limits_usage', '0005_signup_verifications']);
      expect(await cp.migrate()).toEqual([]);
      expect(await cp.migrate()).toEqual([]);
      const tables = (await cp.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['tenants', 'users', 'memberships', 'ingest_keys', 'audit_log']));
    });

    it('enforce the schema rules: lower-cased unique emails, known roles', async () => {
      await cp.db.insertInto('users').values({ email: 'alice@example.com', password_hash: null }).execute();
      await expect(cp.db.insertInto('users').values({ email: 'Bob@Example.com', password_hash: null }).execute()).rejects.toMatchObject({ code: '23514' });
      await expect(cp.db.insertInto('users').values({ email: 'alice@example.com', password_hash: null }).execute()).rejects.toMatchObject({ code: '23505' });
      const { tenant } = await provision(slug('roles'));
      const user = await cp.db.selectFrom('users').select('id').where('email', '=', 'alice@example.com').executeTakeFirstOrThrow();
      await cp.db.insertInto('memberships').values({ tenant_id: tenant.id, user_id: user.id, role: 'owner' }).execute();
      await expect(
        cp.db
          .insertInto('memberships')
          .values({ tenant_id: tenant.id, user_id: user.id, role: 'root' as never })
          .execute(),
      ).rejects.toMatchObject({ code: '23514' });
    });
  });

  describe('provisionTenant', () => {
    it('creates the tenant with its region locked, two working keys and audit entries', async () => {
      const s = slug('acme');
      const { tenant, ingestKey, apiKey } = await provision(s, 'ap-northeast-2');
      expect(tenant).toMatchObject({ slug: s, name: `Tenant ${s}`, region: 'ap-northeast-2', retentionDays: 30 });
      expect(tenant.regionLockedAt).toBeInstanceOf(Date);
      expect(tenant.createdAt).toBeInstanceOf(Date);
      expect(ingestKey).toMatch(/^mrd_ik_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toMatch(/^mrd_at_[A-Za-z0-9_-]{43}$/);

      const keys = new IngestKeyRepository(cp.db);
      const expected = { tenantId: tenant.id, tenantSlug: s, region: 'ap-northeast-2', retentionDays: 30 };
      expect(await keys.verify(ingestKey)).toMatchObject({ ...expected, kind: 'ingest' });
      expect(await keys.verify(apiKey, 'api')).toMatchObject({ ...expected, kind: 'api' });

      const repo = new TenantRepository(cp.db);
      expect(await repo.findBySlug(s)).toEqual(tenant);
      expect(await repo.findById(tenant.id)).toEqual(tenant);
      expect((await repo.list()).map((t) => t.slug)).toContain(s);
    });

    it('writes audit entries naming the actor, newest first', async () => {
      const { tenant } = await provision(slug('audited'));
      const entries = await new AuditLogRepository(cp.db).listForTenant(tenant.id, 10);
      expect(entries.map((e) => e.action)).toEqual(['api_key.create', 'ingest_key.create', 'tenant.region_lock', 'tenant.create']);
      expect(entries.every((e) => e.actor === 'test:contract' && e.tenantId === tenant.id)).toBe(true);
      expect(entries[3]).toMatchObject({ target: `tenant:${tenant.id}`, details: { slug: tenant.slug, region: REGIONS[0] } });
      expect(entries[1].details).toMatchObject({ kind: 'ingest', prefix: expect.stringMatching(/^mrd_ik_/) });
      expect(typeof entries[0].id).toBe('string');
      expect(await new AuditLogRepository(cp.db).listForTenant(tenant.id, 2)).toHaveLength(2);
    });

    it('records entries with arbitrary JSON details, arrays included', async () => {
      const audit = new AuditLogRepository(cp.db);
      const { tenant } = await provision(slug('details'));
      await audit.record({ tenantId: tenant.id, actor: 'user:1', action: 'alert_rule.update', target: 'rule:9', details: { channels: ['#ops', '#db'], n: 1 } });
      const [latest] = await audit.listForTenant(tenant.id, 1);
      expect(latest).toMatchObject({ action: 'alert_rule.update', details: { channels: ['#ops', '#db'], n: 1 } });
      expect(latest.at).toBeInstanceOf(Date);
    });

    it('rejects a region that is not allowed, naming the valid ids, and creates nothing', async () => {
      const s = slug('mars');
      const attempt = provision(s, 'mars-1');
      await expect(attempt).rejects.toBeInstanceOf(TenantInputError);
      await expect(attempt).rejects.toThrow('region: "mars-1" is not an allowed region; valid region ids: ap-northeast-1, ap-northeast-2');
      expect(await new TenantRepository(cp.db).findBySlug(s)).toBeUndefined();
    });

    it.each([
      ['ab', 'slug: must be 3–40 characters long'],
      ['a'.repeat(41), 'slug: must be 3–40 characters long'],
      ['Acme', 'slug: may contain only lowercase letters (a–z), digits and dashes, and must start with a letter or digit'],
      ['acme corp', 'slug: may contain only lowercase letters'],
      ['-acme', 'slug: may contain only lowercase letters'],
    ])('rejects slug %j with a message naming the field', async (badSlug, message) => {
      const attempt = service.provisionTenant({ slug: badSlug, name: 'X', region: REGIONS[0], actor: 'test:contract' });
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ field: 'slug' })]) });
    });

    it('names every bad field at once and rejects a taken slug', async () => {
      await expect(service.provisionTenant({ slug: 'x', name: ' ', region: 'nowhere', actor: '' })).rejects.toMatchObject({
        issues: [
          { field: 'slug', message: expect.any(String) },
          { field: 'name', message: 'must not be empty' },
          { field: 'region', message: expect.stringContaining('valid region ids') },
          { field: 'actor', message: expect.any(String) },
        ],
      });
      const s = slug('taken');
      await provision(s);
      await expect(provision(s)).rejects.toThrow(`slug: "${s}" is already taken`);
    });

    it('keeps a locked region from changing, whatever code path tries', async () => {
      const { tenant } = await provision(slug('locked'));
      await expect(cp.db.updateTable('tenants').set({ region: REGIONS[1] }).where('id', '=', tenant.id).execute()).rejects.toThrow(/region cannot change/);
      await expect(cp.db.updateTable('tenants').set({ region_locked_at: null }).where('id', '=', tenant.id).execute()).rejects.toThrow(/region cannot change/);
      const relocked = await new TenantRepository(cp.db).lockRegion(tenant.id);
      expect(relocked).toEqual(tenant);
    });
  });

  describe('ensureTenant', () => {
    it('provisions once, then returns the same tenant with new keys that verify alongside the old ones', async () => {
      const s = slug('demo');
      const input = { slug: s, name: 'Demo', region: REGIONS[0], actor: 'system:demo' };
      const first = await service.ensureTenant(input);
      const second = await service.ensureTenant(input);
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.tenant).toEqual(first.tenant);
      expect(second.ingestKey).not.toBe(first.ingestKey);
      expect(second.apiKey).not.toBe(first.apiKey);

      const keys = new IngestKeyRepository(cp.db);
      for (const key of [first.ingestKey, second.ingestKey]) expect(await keys.verify(key)).toMatchObject({ tenantId: first.tenant.id });
      for (const key of [first.apiKey, second.apiKey]) expect(await keys.verify(key, 'api')).toMatchObject({ tenantId: first.tenant.id });
      expect((await new TenantRepository(cp.db).list()).filter((t) => t.slug === s)).toHaveLength(1);
      expect(await keys.listForTenant(first.tenant.id)).toHaveLength(4);
      const actions = (await new AuditLogRepository(cp.db).listForTenant(first.tenant.id, 100)).map((e) => e.action);
      expect(actions.filter((a) => a === 'tenant.create')).toHaveLength(1);
      expect(actions.filter((a) => a === 'ingest_key.create')).toHaveLength(2);
    });

    it('is safe when two starts race for the same new tenant', async () => {
      const input = { slug: slug('race'), name: 'Race', region: REGIONS[0], actor: 'system:demo' };
      const results = await Promise.all([service.ensureTenant(input), service.ensureTenant(input), service.ensureTenant(input)]);
      expect(new Set(results.map((r) => r.tenant.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('refuses to move an existing tenant to another region', async () => {
      const input = { slug: slug('stay'), name: 'Stay', region: REGIONS[0], actor: 'system:demo' };
      await service.ensureTenant(input);
      await expect(service.ensureTenant({ ...input, region: REGIONS[1] })).rejects.toThrow(
        `region: tenant "${input.slug}" already lives in region "${REGIONS[0]}"`,
      );
    });
  });

  describe('ingest keys', () => {
    it('are stored only as a SHA-256 hash and a short prefix', async () => {
      const { tenant, ingestKey, apiKey } = await provision(slug('hashed'));
      const rows = await sql<{ row: string }>`select row_to_json(k)::text as row from ingest_keys k where tenant_id = ${tenant.id}`.execute(cp.db);
      const audit = await sql<{ row: string }>`select row_to_json(a)::text as row from audit_log a where tenant_id = ${tenant.id}`.execute(cp.db);
      const stored = [...rows.rows, ...audit.rows].map((r) => r.row).join('\n');
      expect(rows.rows).toHaveLength(2);
      for (const key of [ingestKey, apiKey]) {
        expect(stored).not.toContain(key);
        expect(stored).not.toContain(key.slice(15)); // the random part past the shown prefix
        expect(stored).toContain(createHash('sha256').update(key).digest('hex'));
      }
      const listed = await new IngestKeyRepository(cp.db).listForTenant(tenant.id);
      expect(listed.map((k) => k.prefix).sort()).toEqual([apiKey.slice(0, 15), ingestKey.slice(0, 15)].sort());
      for (const record of listed) {
        expect(Object.keys(record).sort()).toEqual(['createdAt', 'id', 'kind', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'tenantId']);
      }
    });

    it('stop verifying once revoked; revoking is scoped to the tenant', async () => {
      const { tenant, ingestKey } = await provision(slug('revoke'));
      const other = await provision(slug('other'));
      const keys = new IngestKeyRepository(cp.db);
      const identity = await keys.verify(ingestKey);
      expect(identity).toBeDefined();
      expect(await keys.revoke(other.tenant.id, identity!.keyId)).toBeUndefined();
      expect(await keys.verify(ingestKey)).toBeDefined();
      expect(await keys.revoke(tenant.id, identity!.keyId)).toMatchObject({ id: identity!.keyId, tenantId: tenant.id, revokedAt: expect.any(Date) });
      expect(await keys.revoke(tenant.id, identity!.keyId)).toBeUndefined();
      expect(await keys.revoke(tenant.id, 'not-a-uuid')).toBeUndefined();
      expect(await keys.verify(ingestKey)).toBeUndefined();
      const record = (await keys.listForTenant(tenant.id)).find((k) => k.id === identity!.keyId);
      expect(record?.revokedAt).toBeInstanceOf(Date);
      expect(await keys.verify(other.ingestKey)).toBeDefined();
    });

    it('fail for the wrong kind, also with a swapped type prefix', async () => {
      const { ingestKey, apiKey } = await provision(slug('kinds'));
      const keys = new IngestKeyRepository(cp.db);
      expect(await keys.verify(ingestKey, 'api')).toBeUndefined();
      expect(await keys.verify(apiKey, 'ingest')).toBeUndefined();
      expect(await keys.verify(apiKey)).toBeUndefined();
      expect(await keys.verify(`mrd_ik_${apiKey.slice(7)}`)).toBeUndefined();
      expect(await keys.verify(`mrd_at_${ingestKey.slice(7)}`, 'api')).toBeUndefined();
    });

    it('reject malformed keys without a query, and unknown well-formed keys with one', async () => {
      const { ingestKey } = await provision(slug('malformed'));
      let queries = 0;
      const counting: KyselyPlugin = {
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const keys = new IngestKeyRepository(cp.db.withPlugin(counting));
      const malformed: unknown[] = [
        '',
        'Bearer ' + ingestKey,
        ingestKey + 'A',
        ingestKey.slice(0, -1),
        ingestKey.toUpperCase(),
        `mrd_xx_${ingestKey.slice(7)}`,
        `mrd_ik_${'='.repeat(43)}`,
        `mrd_ik_${'é'.repeat(43)}`,
        ` ${ingestKey.slice(1)}`,
        undefined,
        null,
        42,
        'x'.repeat(10_000),
      ];
      for (const key of malformed) expect(await keys.verify(key as string)).toBeUndefined();
      expect(queries).toBe(0);
      expect(await keys.verify(`mrd_ik_${'A'.repeat(43)}`)).toBeUndefined();
      expect(queries).toBe(1);
    });

    it('update last_used_at at most once a minute per key', async () => {
      const { tenant, ingestKey } = await provision(slug('last-used'));
      let now = new Date('2031-01-01T00:00:00Z');
      const keys = new IngestKeyRepository(cp.db, { now: () => now });
      const lastUsed = async () => (await keys.listForTenant(tenant.id)).find((k) => k.kind === 'ingest')?.lastUsedAt;
      expect(await lastUsed()).toBeNull();

      await keys.verify(ingestKey);
      expect(await lastUsed()).toEqual(now);
      const first = now;
      now = new Date(first.getTime() + 30_000);
      await keys.verify(ingestKey);
      await keys.verify(ingestKey);
      expect(await lastUsed()).toEqual(first);
      now = new Date(first.getTime() + 61_000);
      await keys.verify(ingestKey);
      expect(await lastUsed()).toEqual(now);
    });

    it('can only be created for an existing tenant, with a name', async () => {
      const keys = new IngestKeyRepository(cp.db);
      await expect(keys.create('00000000-0000-4000-8000-000000000000', { name: 'k' })).rejects.toThrow(
        'tenantId: tenant 00000000-0000-4000-8000-000000000000 does not exist',
      );
      await expect(keys.create('nope', { name: 'k' })).rejects.toThrow('tenantId: "nope" is not a tenant id');
      const { tenant } = await provision(slug('named'));
      await expect(keys.create(tenant.id, { name: '  ' })).rejects.toThrow('name: a key name must be 1–100 characters');
      const { key, record } = await keys.create(tenant.id, { name: ' ci pipeline ' });
      expect(record).toMatchObject({ tenantId: tenant.id, name: 'ci pipeline', kind: 'ingest', prefix: key.slice(0, 15), revokedAt: null, lastUsedAt: null });
      expect(await keys.verify(key)).toMatchObject({ keyId: record.id, tenantId: tenant.id });
    });
  });

  describe('ingest limit overrides', () => {
    const none = { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null };

    it('are all null until set; set replaces them, audits before/after, and verify carries them', async () => {
      const { tenant, ingestKey } = await provision(slug('limits'));
      const other = await provision(slug('limits-other'));
      const limits = new TenantLimitsRepository(cp);
      const keys = new IngestKeyRepository(cp);
      expect(await limits.get(tenant.id)).toEqual(none);
      expect((await keys.verify(ingestKey))?.limits).toEqual(none);

      const big = { spansPerSecond: 5000, dataPointsPerSecond: null, logRecordsPerSecond: 20, bytesPerSecond: 50 * 1024 ** 3 };
      expect(await limits.set(tenant.id, big, 'operator:cli:alice')).toEqual(big);
      expect(await limits.get(tenant.id)).toEqual(big);
      expect((await keys.verify(ingestKey))?.limits).toEqual(big);
      expect((await keys.verify(other.ingestKey))?.limits).toEqual(none);

      expect(await limits.set(tenant.id, { ...big, spansPerSecond: null }, 'operator:api')).toEqual({ ...big, spansPerSecond: null });
      expect(await limits.set(tenant.id, none, 'operator:api')).toEqual(none);
      expect((await keys.verify(ingestKey))?.limits).toEqual(none);

      const audit = (await new AuditLogRepository(cp).listForTenant(tenant.id, 10)).filter((e) => e.action === 'tenant.ingest_limits_update');
      expect(audit.map((e) => e.actor)).toEqual(['operator:api', 'operator:api', 'operator:cli:alice']);
      expect(audit[2]).toMatchObject({ target: `tenant:${tenant.id}`, details: { before: none, after: big } });
      expect(audit[0].details).toEqual({ before: { ...big, spansPerSecond: null }, after: none });
    });

    it('refuse bad values naming each field, and unknown tenants, writing nothing', async () => {
      const { tenant } = await provision(slug('limits-bad'));
      const limits = new TenantLimitsRepository(cp);
      const bad = { spansPerSecond: 0, dataPointsPerSecond: 1.5, logRecordsPerSecond: -3, bytesPerSecond: 1e15 };
      const attempt = limits.set(tenant.id, bad, 'operator:api');
      await expect(attempt).rejects.toBeInstanceOf(TenantInputError);
      await expect(attempt).rejects.toMatchObject({
        issues: ['spansPerSecond', 'dataPointsPerSecond', 'logRecordsPerSecond', 'bytesPerSecond'].map((field) => ({
          field,
          message: expect.stringContaining('must be a whole number from 1 to'),
        })),
      });
      await expect(limits.set(tenant.id, { ...none, spansPerSecond: '10' as never }, 'operator:api')).rejects.toThrow('spansPerSecond: must be a whole number');
      await expect(limits.set('00000000-0000-4000-8000-000000000000', none, 'operator:api')).rejects.toThrow(
        'tenantId: tenant 00000000-0000-4000-8000-000000000000 does not exist',
      );
      await expect(limits.set('nope', none, 'operator:api')).rejects.toThrow('tenantId: "nope" is not a tenant id');
      expect(await limits.get(tenant.id)).toEqual(none);
      expect(await limits.get('nope')).toEqual(none);
      const actions = (await new AuditLogRepository(cp).listForTenant(tenant.id, 10)).map((e) => e.action);
      expect(actions).not.toContain('tenant.ingest_limits_update');
    });
  });

  describe('usage', () => {
    const delta = (tenantId: string, day: string, signal: UsageDelta['signal'], n: number): UsageDelta => ({
      tenantId,
      day,
      signal,
      acceptedItems: n,
      acceptedBytes: n * 100,
      rejectedItems: 3 * n,
      throttledItems: n * 2,
      throttledBytes: n * 200,
    });

    it('adds flushes to per-day, per-signal counters and lists them by day, per tenant', async () => {
      const a = (await provision(slug('usage-a'))).tenant.id;
      const b = (await provision(slug('usage-b'))).tenant.id;
      const usage = new UsageRepository(cp);
      await usage.add([delta(a, '2031-03-01', 'traces', 10), delta(a, '2031-03-01', 'logs', 1), delta(b, '2031-03-01', 'traces', 7)]);
      // Same key twice in one flush, plus bigger-than-int32 byte counts.
      await usage.add([delta(a, '2031-03-01', 'traces', 5), delta(a, '2031-03-01', 'traces', 5), delta(a, '2031-03-02', 'metrics', 3_000_000_000)]);
      await usage.add([]);

      expect(await usage.list(a, '2031-03-01', '2031-03-02')).toEqual([
        delta(a, '2031-03-01', 'traces', 20),
        delta(a, '2031-03-01', 'logs', 1),
        delta(a, '2031-03-02', 'metrics', 3_000_000_000),
      ]);
      expect(await usage.list(a, '2031-03-02', '2031-03-31')).toEqual([delta(a, '2031-03-02', 'metrics', 3_000_000_000)]);
      expect(await usage.list(b, '2031-01-01', '2031-12-31')).toEqual([delta(b, '2031-03-01', 'traces', 7)]);
      expect(await usage.list('nope', '2031-01-01', '2031-12-31')).toEqual([]);
    });

    it('loses no increment when several writers flush the same rows at once', async () => {
      const t = (await provision(slug('usage-race'))).tenant.id;
      const usage = new UsageRepository(cp);
      const flush = () => usage.add([delta(t, '2031-04-01', 'traces', 1), delta(t, '2031-04-01', 'metrics', 1), delta(t, '2031-04-01', 'logs', 1)]);
      await Promise.all(Array.from({ length: 8 }, flush));
      const rows = await usage.list(t, '2031-04-01', '2031-04-01');
      expect(rows.map((r) => [r.signal, r.acceptedItems, r.throttledBytes])).toEqual([
        ['traces', 8, 1600],
        ['metrics', 8, 1600],
        ['logs', 8, 1600],
      ]);
    });

    it('drops deltas of unknown tenants without failing the flush; refuses malformed deltas naming the field', async () => {
      const t = (await provision(slug('usage-stale'))).tenant.id;
      const usage = new UsageRepository(cp);
      await usage.add([
        delta('00000000-0000-4000-8000-000000000000', '2031-05-01', 'traces', 1),
        delta('t1', '2031-05-01', 'traces', 1),
        delta(t, '2031-05-01', 'traces', 4),
      ]);
      expect(await usage.list(t, '2031-05-01', '2031-05-01')).toEqual([delta(t, '2031-05-01', 'traces', 4)]);
      await expect(usage.add([delta(t, '2031-02-30', 'traces', 1)])).rejects.toThrow('day: "2031-02-30" is not a UTC day');
      await expect(usage.add([delta(t, '2031-05-01', 'profiles' as never, 1)])).rejects.toThrow('signal: "profiles" is not one of traces, metrics, logs');
      await expect(usage.add([{ ...delta(t, '2031-05-01', 'logs', 1), acceptedBytes: -1 }])).rejects.toThrow('acceptedBytes: expected a whole number ≥ 0');
      await expect(usage.list(t, '2031-5-1', '2031-05-01')).rejects.toThrow('fromDay: "2031-5-1" is not a day');
      expect(await usage.list(t, '2031-05-01', '2031-05-01')).toEqual([delta(t, '2031-05-01', 'traces', 4)]);
    });
  });

  describe('lookups with ids from the outside', () => {
    it('return nothing for malformed or unknown ids instead of failing (repositories also take the ControlPlaneDb)', async () => {
      const tenants = new TenantRepository(cp);
      expect(await tenants.findById('not-a-uuid')).toBeUndefined();
      expect(await tenants.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await tenants.findBySlug('no-such-tenant')).toBeUndefined();
      expect(await tenants.lockRegion('not-a-uuid')).toBeUndefined();
      expect(await new IngestKeyRepository(cp).listForTenant('x')).toEqual([]);
      expect(await new AuditLogRepository(cp).listForTenant('x', 10)).toEqual([]);
    });
  });

  describe('accounts: sessions, sign-up, invitations', () => {
    it('finds a session by its token until it expires, never by its hash; deletes it on sign-out', async () => {
      const user = await new UserRepository(cp).create(`s-${++n}@example.com`, 'hash');
      const sessions = new SessionRepository(cp);
      const t0 = new Date();
      const { token, sessionId } = await sessions.create(user.id, 60_000, { ip: '10.0.0.1' }, t0);
      expect((await sessions.findActive(token, 60_000, t0))?.user.email).toBe(user.email);
      const row = await cp.db.selectFrom('sessions').select('token_hash').where('id', '=', sessionId).executeTakeFirstOrThrow();
      expect(row.token_hash).not.toContain(token);
      expect(await sessions.findActive(row.token_hash, 60_000, t0)).toBeUndefined();
      expect(await sessions.findActive(token, 60_000, new Date(t0.getTime() + 61_000))).toBeUndefined();
      await sessions.delete(sessionId);
      expect(await sessions.findActive(token, 60_000, t0)).toBeUndefined();
    });

    it('runs repository calls in one transaction: all or nothing, a nested run joining the outer one', async () => {
      const { tenant } = await provision(slug('tx'));
      const transactions = new ControlPlaneTransactions(cp);
      const tenants = new TenantRepository(cp);
      const audit = new AuditLogRepository(cp);
      const work = (fail: boolean) =>
        transactions.run(async () => {
          await tenants.rename(tenant.id, 'Renamed');
          await transactions.run(() => audit.record({ tenantId: tenant.id, actor: 'test:contract', action: 'tenant.rename', target: `tenant:${tenant.id}` }));
          if (fail) throw new Error('refused after both writes');
        });
      await expect(work(true)).rejects.toThrow('refused after both writes');
      expect((await tenants.findById(tenant.id))?.name).toBe(tenant.name);
      expect((await audit.listForTenant(tenant.id)).map((e) => e.action)).not.toContain('tenant.rename');
      await work(false);
      expect((await tenants.findById(tenant.id))?.name).toBe('Renamed');
      expect((await audit.listForTenant(tenant.id)).map((e) => e.action)).toContain('tenant.rename');
    });

    it('refuses a second account for an email in any letter case', async () => {
      const users = new UserRepository(cp);
      const user = await users.create(`l-${++n}@example.com`, 'hash');
      await expect(users.create(user.email.toUpperCase(), 'h')).rejects.toThrow(EmailTakenError);
    });

    it('signs up with an invitation in one transaction: a bad or foreign token leaves no account', async () => {
      const { tenant } = await provision(slug('signup'));
      const users = new UserRepository(cp);
      const admin = await users.create(`a-${++n}@example.com`, 'h');
      const invitee = `i-${++n}@example.com`;
      const { token } = await new InvitationRepository(cp).create({ tenantId: tenant.id, email: invitee, role: 'viewer', invitedBy: admin.id, ttlMs: 60_000 });
      const stranger = `x-${++n}@example.com`;
      await expect(signUpWithInvitation(stranger, 'A'.repeat(43))).rejects.toThrow(InvitationError);
      await expect(signUpWithInvitation(stranger, token)).rejects.toThrow(InvitationError);
      expect(await users.credentialsByEmail(stranger)).toBeUndefined();
      const { user, membership } = await signUpWithInvitation(invitee, token);
      expect(membership).toMatchObject({ role: 'viewer', tenant: { id: tenant.id } });
      expect((await users.credentialsByEmail(invitee))?.id).toBe(user.id);
    });

    it('finishes a verified sign-up once, within its time, and not for an address that got an account meanwhile', async () => {
      const verifications = new SignupVerificationRepository(cp);
      const email = `v-${++n}@example.com`;
      const first = await verifications.create(email, 'hash-1', 60_000);
      const second = await verifications.create(email, 'hash-2', 60_000);
      const row = await cp.db.selectFrom('signup_verifications').select('token_hash').where('email', '=', email).executeTakeFirstOrThrow();
      expect(row.token_hash).not.toContain(first.token);
      expect(await verifications.complete(first.token, '10.0.0.1', new Date(Date.now() + 61_000))).toBeUndefined();
      const user = await verifications.complete(first.token, '10.0.0.1');
      expect(user?.email).toBe(email);
      expect((await new UserRepository(cp).credentialsByEmail(email))?.passwordHash).toBe('hash-1');
      expect(await verifications.complete(first.token, '10.0.0.1')).toBeUndefined();
      expect(await verifications.complete(second.token, '10.0.0.1')).toBeUndefined();
      const taken = `t-${++n}@example.com`;
      const pending = await verifications.create(taken, 'hash', 60_000);
      await new UserRepository(cp).create(taken, 'other');
      expect(await verifications.complete(pending.token, '10.0.0.1')).toBeUndefined();
    });

    it('accepts an invitation once, only for its email, and not after revocation', async () => {
      const { tenant } = await provision(slug('inv'));
      const users = new UserRepository(cp);
      const admin = await users.create(`a-${++n}@example.com`, 'h');
      const invitee = await users.create(`i-${++n}@example.com`, 'h');
      const other = await users.create(`o-${++n}@example.com`, 'h');
      const invitations = new InvitationRepository(cp);
      const { token } = await invitations.create({ tenantId: tenant.id, email: invitee.email, role: 'member', invitedBy: admin.id, ttlMs: 60_000 });
      await expect(acceptance().accept(other, token)).rejects.toThrow(InvitationError);
      expect((await acceptance().accept(invitee, token)).role).toBe('member');
      await expect(acceptance().accept(invitee, token)).rejects.toThrow(InvitationError);
      const second = await invitations.create({ tenantId: tenant.id, email: other.email, role: 'viewer', invitedBy: admin.id, ttlMs: 60_000 });
      expect(await invitations.revoke(tenant.id, second.invitation.id)).toBe(true);
      await expect(acceptance().accept(other, second.token)).rejects.toThrow(InvitationError);
      expect((await new MembershipRepository(cp).listMembers(tenant.id)).map((m) => m.email)).toEqual([invitee.email]);
    });
  });
}
