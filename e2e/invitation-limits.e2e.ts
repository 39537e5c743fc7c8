import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@meridian/api-contract';
import { type MeridianProcess, outboxEmails, SessionClient, startMeridian } from '@meridian/testing';

/**
 * Invitations are rate-limited per tenant, per admin and per recipient, through the real server:
 * a tenant's name is whatever its creator typed, so without the per-recipient cap anyone could
 * make Meridian mail their text to any address, from as many tenants as they like.
 */
describe('invitation rate limits', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-invites-'));
  let m: MeridianProcess;
  let base: string;
  const id = () => randomBytes(3).toString('hex');

  beforeAll(async () => {
    m = await startMeridian({
      dataDir,
      env: { MERIDIAN_INVITATIONS_PER_RECIPIENT_PER_DAY: '2', MERIDIAN_INVITATIONS_PER_ADMIN_PER_HOUR: '4', MERIDIAN_INVITATIONS_PER_TENANT_PER_HOUR: '5' },
    });
    base = `http://127.0.0.1:${m.ports.api}`;
  }, 90_000);
  afterAll(() => m?.stop());

  async function ownerOfNewTenant(name: string): Promise<{ owner: SessionClient; slug: string }> {
    const owner = await SessionClient.signUp({ base, dataDir }, `owner-${id()}@example.com`);
    const slug = `t-${id()}`;
    await owner.call('createTenant', { body: { slug, name, region: 'ap-northeast-1' } });
    return { owner, slug };
  }

  async function invite(owner: SessionClient, slug: string, email: string): Promise<{ status: number; retryAfter?: string; message?: string }> {
    try {
      await owner.call('createInvitation', { params: { tenant: slug }, body: { email, role: 'viewer' } });
      return { status: 201 };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return { status: e.status, message: e.body?.message, retryAfter: String(e.retryAfterSeconds) };
    }
  }

  it('caps what one address receives from all tenants together, with 429 and Retry-After', async () => {
    const victim = `victim-${id()}@example.com`;
    const tenants = await Promise.all(['Free gift card: click here', 'Your account is suspended', 'Third tenant'].map(ownerOfNewTenant));
    expect((await invite(tenants[0].owner, tenants[0].slug, victim)).status).toBe(201);
    expect((await invite(tenants[1].owner, tenants[1].slug, victim)).status).toBe(201);
    const third = await invite(tenants[2].owner, tenants[2].slug, victim);
    expect(third).toMatchObject({ status: 429, message: expect.stringMatching(/this address has received as many invitations as allowed/) });
    expect(Number(third.retryAfter)).toBeGreaterThan(86_000);
    // The Retry-After header itself, as clients read it.
    const res = await fetch(`${base}/api/v1/tenants/${tenants[2].slug}/invitations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: [...tenants[2].owner.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': tenants[2].owner.csrfToken!,
      },
      body: JSON.stringify({ email: victim.toUpperCase(), role: 'viewer' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(86_000);
    expect((await outboxEmails(dataDir)).filter((mail) => mail.to.includes(victim))).toHaveLength(2);
  }, 60_000);

  it('caps an admin per hour and a tenant per hour', async () => {
    const busy = await ownerOfNewTenant('Busy');
    for (let i = 0; i < 4; i++) expect((await invite(busy.owner, busy.slug, `a${i}-${id()}@example.com`)).status).toBe(201);
    expect(await invite(busy.owner, busy.slug, `a4-${id()}@example.com`)).toMatchObject({ status: 429, message: expect.stringMatching(/^you have sent/) });

    // Two admins of one tenant each have their own budget (4) but share the tenant's (5 per hour).
    const shared = await ownerOfNewTenant('Shared');
    for (let i = 0; i < 3; i++) expect((await invite(shared.owner, shared.slug, `c${i}-${id()}@example.com`)).status).toBe(201);
    const adminEmail = `admin-${id()}@example.com`;
    const { acceptUrl } = await shared.owner.call('createInvitation', { params: { tenant: shared.slug }, body: { email: adminEmail, role: 'admin' } });
    const admin = await SessionClient.signUp({ base, dataDir }, adminEmail, undefined, new URL(acceptUrl).searchParams.get('token')!);
    expect((await invite(admin, shared.slug, `d0-${id()}@example.com`)).status).toBe(201);
    expect(await invite(admin, shared.slug, `d1-${id()}@example.com`)).toMatchObject({ status: 429, message: expect.stringMatching(/^this tenant has sent/) });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/meridian_invitations_refused_total\{budget="recipient"\} [1-9]/);
    expect(metrics).toMatch(/meridian_invitations_refused_total\{budget="admin"\} 1/);
    expect(metrics).toMatch(/meridian_invitations_refused_total\{budget="tenant"\} 1/);
  }, 60_000);
});
