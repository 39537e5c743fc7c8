import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiClient } from '@meridian/api-contract';
import { AuditLogRepository, ControlPlaneDb, TenantRepository, UsageRepository, utcDay } from '@meridian/control-plane';
import { runMeridianCli, SessionClient, startMeridian, startTenantFixture, type MeridianProcess, type TenantFixture } from '@meridian/testing';

/**
 * Per-tenant ingest limits and usage through the real server: members read them (viewer and
 * up), only the operator token changes limits (audited), intake enforces an override and meters
 * what it accepted and throttled per day; the CLI changes limits next to a stopped server.
 */
jest.setTimeout(120_000);

const OPERATOR_TOKEN = `op-${randomBytes(24).toString('hex')}`;
const env = { MERIDIAN_OPERATOR_TOKEN: OPERATOR_TOKEN, MERIDIAN_KEY_CACHE_MS: '300', MERIDIAN_USAGE_FLUSH_MS: '300', MERIDIAN_INTAKE_SPANS_PER_SECOND: '5000' };
const none = { spansPerSecond: null, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null };

let fx: TenantFixture;
let meridian: MeridianProcess;
let operator: ApiClient;
let viewer: SessionClient;
let member: SessionClient;
let apiKey: string;

const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status?: number }) => e.status ?? -1,
  );

async function invite(role: 'viewer' | 'member'): Promise<SessionClient> {
  const email = `${role}-${randomBytes(3).toString('hex')}@example.com`;
  const { acceptUrl } = await fx.owner.call('createInvitation', { params: { tenant: fx.slug }, body: { email, role } });
  return SessionClient.signUp(fx.base, email, undefined, new URL(acceptUrl).searchParams.get('token')!);
}

async function sendSpans(key: string, count: number): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `GET /limits/${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
  }));
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limits-e2e' } }] }, scopeSpans: [{ spans }] }] };
  const res = await fetch(`http://127.0.0.1:${meridian.ports.http}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  fx = await startTenantFixture('limits', { env });
  meridian = fx.meridian;
  operator = new ApiClient({ baseUrl: fx.base, headers: () => ({ authorization: `Bearer ${OPERATOR_TOKEN}` }) });
  viewer = await invite('viewer');
  member = await invite('member');
  apiKey = (await fx.owner.call('createKey', { params: { tenant: fx.slug }, body: { name: 'script', kind: 'api' } })).secret;
}, 120_000);

afterAll(async () => {
  await meridian?.stop();
});

describe('ingest limits and usage API', () => {
  it('lets every member read the effective limits: configured defaults until the operator overrides', async () => {
    const limits = await viewer.call('getIngestLimits', { params: { tenant: fx.slug } });
    expect(limits.spansPerSecond).toEqual({ effective: 5000, default: 5000, override: null });
    expect(limits.bytesPerSecond.override).toBeNull();
    expect(limits.burstSeconds).toBeGreaterThan(0);
    const asKey = new ApiClient({ baseUrl: fx.base, headers: () => ({ authorization: `Bearer ${apiKey}` }) });
    expect(await asKey.call('getIngestLimits', { params: { tenant: fx.slug } })).toEqual(limits);
  });

  it('refuses limit changes from everyone but the operator token — owners included — with 403', async () => {
    const body = { ...none, spansPerSecond: 1 };
    const input = { params: { tenant: fx.slug }, body };
    expect(await viewer.status('setIngestLimits', input)).toBe(403);
    expect(await member.status('setIngestLimits', input)).toBe(403);
    expect(await fx.owner.status('setIngestLimits', input)).toBe(403);
    const asKey = new ApiClient({ baseUrl: fx.base, headers: () => ({ authorization: `Bearer ${apiKey}` }) });
    expect(await statusOf(asKey.call('setIngestLimits', input))).toBe(403);
    const wrong = new ApiClient({ baseUrl: fx.base, headers: () => ({ authorization: `Bearer ${OPERATOR_TOKEN}x` }) });
    const refused = await wrong.call('setIngestLimits', input).catch((e: { status: number; body: { message: string } }) => e);
    expect(refused).toMatchObject({ status: 403, body: { message: expect.stringContaining('Authorization: Bearer <token>') } });
    // The operator finds no tenant that does not exist — and a non-operator learns nothing either way.
    expect(await statusOf(operator.call('setIngestLimits', { params: { tenant: 'no-such-tenant' }, body }))).toBe(404);
    expect(await member.status('setIngestLimits', { params: { tenant: 'no-such-tenant' }, body })).toBe(403);
    expect((await viewer.call('getIngestLimits', { params: { tenant: fx.slug } })).spansPerSecond.override).toBeNull();
  });

  it('answers bad overrides and bad usage ranges with 400 naming the field', async () => {
    const bad = await operator
      .call('setIngestLimits', { params: { tenant: fx.slug }, body: { ...none, spansPerSecond: 0, bytesPerSecond: 1.5 } })
      .catch((e: { status: number; body: { issues: Array<{ field: string }> } }) => e);
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as { body: { issues: Array<{ field: string }> } }).body.issues.map((i) => i.field).sort()).toEqual([
      'body.bytesPerSecond',
      'body.spansPerSecond',
    ]);
    const missing = await operator
      .call('setIngestLimits', { params: { tenant: fx.slug }, body: { spansPerSecond: 10 } as never })
      .catch((e: { status: number; body: { issues: Array<{ field: string }> } }) => e);
    expect((missing as { body: { issues: Array<{ field: string }> } }).body.issues.map((i) => i.field)).toEqual([
      'body.dataPointsPerSecond',
      'body.logRecordsPerSecond',
      'body.bytesPerSecond',
    ]);

    const usage = (query: Record<string, string>) =>
      viewer
        .call('getIngestUsage', { params: { tenant: fx.slug }, query })
        .catch((e: { status: number; body: { issues: Array<{ field: string; message: string }> } }) => e);
    expect(await usage({ from: '2026-13-01' })).toMatchObject({ status: 400, body: { issues: [{ field: 'query.from' }] } });
    expect(await usage({ from: '2026-06-02', to: '2026-06-01' })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'query.from', message: expect.stringContaining('after') }] },
    });
    expect(await usage({ from: '2020-01-01', to: '2026-06-01' })).toMatchObject({
      status: 400,
      body: { issues: [{ field: 'query.from', message: expect.stringContaining('366 days') }] },
    });
  });

  it('applies an operator override at intake (429 for this tenant) and meters accepted and throttled spans per day', async () => {
    const set = await operator.call('setIngestLimits', { params: { tenant: fx.slug }, body: { ...none, spansPerSecond: 1 } });
    expect(set.spansPerSecond).toEqual({ effective: 1, default: 5000, override: 1 });
    expect((await viewer.call('getIngestLimits', { params: { tenant: fx.slug } })).spansPerSecond).toEqual(set.spansPerSecond);

    // Within the key cache interval intake sees the new limit; a 40-span request then overdraws a 1 span/s bucket.
    const statuses = await eventually(async () => {
      const s = [await sendSpans(fx.ingestKey, 40), await sendSpans(fx.ingestKey, 40)];
      return s.includes(429) ? s : undefined;
    }, 'a 429 after the override');
    expect(statuses).toContain(429);

    const today = utcDay(new Date());
    const usage = await eventually(async () => {
      const u = await viewer.call('getIngestUsage', { params: { tenant: fx.slug }, query: {} });
      const traces = u.days.find((d) => d.day === today && d.signal === 'traces');
      return traces && traces.acceptedItems > 0 && traces.throttledItems > 0 ? u : undefined;
    }, 'usage of today to be flushed');
    const traces = usage.days.find((d) => d.signal === 'traces')!;
    expect(traces.acceptedItems % 40).toBe(0);
    expect(traces.throttledItems % 40).toBe(0);
    expect(traces.acceptedBytes).toBeGreaterThan(0);
    expect(traces.throttledBytes).toBeGreaterThan(0);
    expect(usage).toMatchObject({ today, to: today });
    expect(usage.totals.find((t) => t.signal === 'traces')).toMatchObject({ acceptedItems: traces.acceptedItems, throttledItems: traces.throttledItems });

    // The audit log names the operator and the values before and after.
    const audit = await fx.owner.call('listAudit', { params: { tenant: fx.slug }, query: {} });
    expect(audit.entries.find((e) => e.action === 'tenant.ingest_limits_update')).toMatchObject({
      actor: 'operator:api',
      details: { before: none, after: { ...none, spansPerSecond: 1 } },
    });
  });

  it('changes limits from the CLI next to a stopped server, and shows usage written to the control plane', async () => {
    await meridian.stop();
    const cliEnv = { MERIDIAN_DATA_DIR: meridian.dataDir, MERIDIAN_INTAKE_SPANS_PER_SECOND: '5000' };
    const bad = await runMeridianCli(['tenant', 'limits', '--slug', fx.slug, '--bytes-per-second', 'lots'], cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('--bytes-per-second expects a whole number per second or "default", got "lots"');
    const tooBig = await runMeridianCli(['tenant', 'limits', '--slug', fx.slug, '--spans-per-second', '1000000000'], cliEnv);
    expect(tooBig.code).toBe(1);
    expect(tooBig.output).toContain('spansPerSecond: must be a whole number from 1 to 100000000');

    const cli = await runMeridianCli(['tenant', 'limits', '--slug', fx.slug, '--spans-per-second', 'default', '--bytes-per-second', '2000000'], cliEnv);
    expect(cli.code).toBe(0);
    expect(cli.output).toMatch(/--spans-per-second\s+5000\s+\(default\)/);
    expect(cli.output).toMatch(/--bytes-per-second\s+2000000\s+\(override; default \d+\)/);
    const shown = await runMeridianCli(['tenant', 'limits', '--slug', fx.slug], cliEnv);
    expect(shown.output).not.toContain('updated');
    expect(shown.output).toMatch(/--bytes-per-second\s+2000000/);

    // Usage of an earlier day, as another intake's flush would have written it; the CLI's change is audited.
    const db = await ControlPlaneDb.open({ pgliteDir: join(meridian.dataDir, 'control-plane') });
    try {
      const tenant = await new TenantRepository(db).findBySlug(fx.slug);
      await new UsageRepository(db).add([
        {
          tenantId: tenant!.id,
          day: '2026-01-15',
          signal: 'logs',
          acceptedItems: 1234,
          acceptedBytes: 99_000,
          rejectedItems: 2,
          throttledItems: 0,
          throttledBytes: 0,
        },
      ]);
      const [latest] = (await new AuditLogRepository(db).listForTenant(tenant!.id, 20)).filter((e) => e.action === 'tenant.ingest_limits_update');
      expect(latest).toMatchObject({ actor: expect.stringMatching(/^cli/), details: { after: { ...none, bytesPerSecond: 2_000_000 } } });
    } finally {
      await db.close();
    }

    meridian = await startMeridian({ dataDir: meridian.dataDir, env });
    const reader = new ApiClient({ baseUrl: `http://127.0.0.1:${meridian.ports.api}`, headers: () => ({ authorization: `Bearer ${apiKey}` }) });
    const limits = await reader.call('getIngestLimits', { params: { tenant: fx.slug } });
    expect(limits.spansPerSecond).toEqual({ effective: 5000, default: 5000, override: null });
    expect(limits.bytesPerSecond).toMatchObject({ effective: 2_000_000, override: 2_000_000 });
    const january = await reader.call('getIngestUsage', { params: { tenant: fx.slug }, query: { from: '2026-01-01', to: '2026-01-31' } });
    expect(january.days).toEqual([
      { day: '2026-01-15', signal: 'logs', acceptedItems: 1234, acceptedBytes: 99_000, rejectedItems: 2, throttledItems: 0, throttledBytes: 0 },
    ]);
    expect(january.totals.map((t) => [t.signal, t.acceptedItems])).toEqual([
      ['traces', 0],
      ['metrics', 0],
      ['logs', 1234],
    ]);
  });
});
