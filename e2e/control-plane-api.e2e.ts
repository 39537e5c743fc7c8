import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { API_ROUTES, ApiClient, type RouteDef, type RouteName } from '@meridian/api-contract';
import {
  countSpansByRegion,
  freshPostgresDatabase,
  type MeridianProcess,
  outboxEmails,
  readSignupEmailLink,
  sdkTelemetry,
  SessionClient,
  startMeridian,
  testPostgresUrl,
} from '@meridian/testing';

/**
 * The control plane end to end, through the real server process: sign-up, tenants pinned to a
 * chosen region, members and roles, keys, CSRF, sign-in throttles, audit, sessions across restarts. Runs
 * on PGlite and on PostgreSQL (DATABASE_URL, else the machine's server at 127.0.0.1:5432; when it
 * does not answer, the PostgreSQL half fails with a message saying how to start it).
 */
const engines: Array<[string, string | undefined]> = [
  ['PGlite', undefined],
  ['PostgreSQL', testPostgresUrl()],
];

/** Wrong passwords per (account, IP) before that pair answers 429; attempts per IP. */
const FAILURES_PER_ACCOUNT_IP = 3;
const ATTEMPTS_PER_IP = 30;
const KEY_CACHE_MS = 2_000;

describe.each(engines)('control plane API on %s', (_engine, serverUrl) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-cp-'));
  let dropDatabase: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  let m: MeridianProcess;
  let base: string;
  const email = (who: string) => `${who}-${randomBytes(3).toString('hex')}@example.com`;
  const slug = (s: string) => `${s}-${randomBytes(3).toString('hex')}`;

  // Filled as the tests go: two tenants in two regions, their owners and keys.
  const tokyo = { slug: slug('tokyo'), id: '', ingestKey: '', apiKey: '', traceId: '', owner: undefined as unknown as SessionClient };
  const seoul = { slug: slug('seoul'), id: '', ingestKey: '', apiKey: '', traceId: '', owner: undefined as unknown as SessionClient };

  beforeAll(async () => {
    env = {
      MERIDIAN_LOGIN_FAILURES_PER_ACCOUNT_IP: String(FAILURES_PER_ACCOUNT_IP),
      MERIDIAN_LOGIN_ATTEMPTS_PER_IP: String(ATTEMPTS_PER_IP),
      MERIDIAN_LOGIN_DELAY_AFTER_FAILURES: '5',
      MERIDIAN_LOGIN_MAX_DELAY_MS: '300',
      // The test is the proxy: X-Forwarded-For from 127.0.0.1 names the client.
      MERIDIAN_TRUST_PROXY: 'loopback',
      MERIDIAN_KEY_CACHE_MS: String(KEY_CACHE_MS),
    };
    if (serverUrl) {
      const db = await freshPostgresDatabase(serverUrl, 'meridian_e2e_cp');
      dropDatabase = db.drop;
      env.DATABASE_URL = db.url;
    }
    m = await startMeridian({ dataDir, env });
    base = `http://127.0.0.1:${m.ports.api}`;
  }, 90_000);

  afterAll(async () => {
    await m?.stop();
    await dropDatabase?.();
  });

  async function sendSpan(key: string, service: string): Promise<string> {
    const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: m.ports.http, grpcPort: m.ports.grpc, key, serviceName: service });
    const span = sdk.tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders', 'http.request.method': 'GET' } });
    span.end();
    await sdk.flush();
    await sdk.shutdown();
    return span.spanContext().traceId;
  }

  it('signs up, creates tenants in the chosen regions, issues keys, and reads each tenant only from its region', async () => {
    const regions = await new SessionClient(base).call('listRegions', {});
    expect(regions.regions.map((r) => r.id)).toEqual(['ap-northeast-1', 'ap-northeast-2']);
    expect(regions.regions[0].location).toMatch(/Japan/);

    for (const [t, region] of [
      [tokyo, 'ap-northeast-1'],
      [seoul, 'ap-northeast-2'],
    ] as const) {
      t.owner = await SessionClient.signUp({ base, dataDir }, email(`owner-${region}`));
      const bad = await t.owner.status('createTenant', { body: { slug: t.slug, name: 'X', region: 'mars-1' } });
      expect(bad).toBe(400);
      const tenant = await t.owner.call('createTenant', { body: { slug: t.slug, name: `Tenant ${region}`, region } });
      expect(tenant).toMatchObject({ slug: t.slug, region, role: 'owner' });
      expect(tenant.regionLockedAt).not.toBeNull();
      t.id = tenant.id;
      const ingest = await t.owner.call('createKey', { params: { tenant: t.slug }, body: { name: 'prod', kind: 'ingest' } });
      expect(ingest.secret).toMatch(/^mrd_ik_/);
      expect(ingest.otelEnv.OTEL_EXPORTER_OTLP_HEADERS).toBe(`authorization=Bearer ${ingest.secret}`);
      t.ingestKey = ingest.secret;
      t.apiKey = (await t.owner.call('createKey', { params: { tenant: t.slug }, body: { name: 'script', kind: 'api' } })).secret;
      const listed = await t.owner.call('listKeys', { params: { tenant: t.slug } });
      expect(listed.keys.map((k) => k.prefix).sort()).toEqual([ingest.secret.slice(0, 15), t.apiKey.slice(0, 15)].sort());
      expect(JSON.stringify(listed)).not.toContain(ingest.secret);
      t.traceId = await sendSpan(t.ingestKey, `${region}-svc`);
    }

    for (const t of [tokyo, seoul]) {
      const trace = await eventually(() => t.owner.call('trace', { params: { tenant: t.slug, traceId: t.traceId } }).catch(() => undefined));
      expect(trace.spans[0]).toMatchObject({ tenantId: t.id, spanName: 'GET /orders' });
    }
    expect(await tokyo.owner.call('usage', { params: { tenant: tokyo.slug } })).toMatchObject({ region: 'ap-northeast-1', spans: 1 });
    expect(await seoul.owner.call('usage', { params: { tenant: seoul.slug } })).toMatchObject({ region: 'ap-northeast-2', spans: 1 });

    // The region is final.
    const move = await tokyo.owner.status('updateTenant', { params: { tenant: tokyo.slug }, body: { region: 'ap-northeast-2' } });
    expect(move).toBe(409);
    expect((await tokyo.owner.call('updateTenant', { params: { tenant: tokyo.slug }, body: { name: 'Tokyo Co' } })).region).toBe('ap-northeast-1');
  }, 60_000);

  it("answers 404 on every tenant route to a non-member and to another tenant's api key (IDOR)", async () => {
    const tenantRoutes = (Object.entries(API_ROUTES) as Array<[RouteName, RouteDef]>).filter(([, r]) => r.auth === 'tenant');
    expect(tenantRoutes.length).toBeGreaterThanOrEqual(15);
    expect(tenantRoutes.map(([n]) => n)).toEqual(expect.arrayContaining(['getIngestLimits', 'getIngestUsage', 'usage', 'listAudit']));
    const anonymous = new SessionClient(base);
    const keyHeaders = { authorization: `Bearer ${tokyo.apiKey}` };
    const asKey = new ApiClient({ baseUrl: base, headers: () => keyHeaders });
    const failures: string[] = [];
    for (const [name, route] of tenantRoutes) {
      for (const target of [seoul.slug, seoul.id]) {
        const input = sampleInput(route, target, seoul.traceId);
        const asMember = await tokyo.owner.status(name, input as never);
        const asApiKey = await asKey.call(name, input as never).then(
          () => 200,
          (e: { status: number }) => e.status,
        );
        if (asMember !== 404) failures.push(`${route.method} ${route.path} as a member of another tenant → ${asMember}`);
        if (asApiKey !== 404) failures.push(`${route.method} ${route.path} with another tenant's api key → ${asApiKey}`);
      }
      // A taken slug answers exactly as a slug nobody has: the 404 reveals nothing about the tenant.
      const missing = `no-such-${randomBytes(3).toString('hex')}`;
      const answer = async (target: string) => {
        const body = await tokyo.owner.api.call(name, sampleInput(route, target, seoul.traceId) as never).then(
          () => ({ status: 200 }),
          (e: { status: number; body?: unknown }) => ({
            status: e.status,
            body: JSON.stringify(e.body ?? null)
              .split(target)
              .join('<tenant>'),
          }),
        );
        return body;
      };
      const [taken, absent] = [await answer(seoul.slug), await answer(missing)];
      if (JSON.stringify(taken) !== JSON.stringify(absent))
        failures.push(`${route.method} ${route.path}: another tenant's slug → ${JSON.stringify(taken)}, a slug nobody has → ${JSON.stringify(absent)}`);
    }
    // Operator routes take only the operator token (none configured here): members and api keys get 403, whatever the tenant.
    for (const [name, route] of (Object.entries(API_ROUTES) as Array<[RouteName, RouteDef]>).filter(([, r]) => r.auth === 'operator')) {
      for (const target of [seoul.slug, tokyo.slug]) {
        const input = sampleInput(route, target, seoul.traceId);
        const asMember = await tokyo.owner.status(name, input as never);
        const asApiKey = await asKey.call(name, input as never).then(
          () => 200,
          (e: { status: number }) => e.status,
        );
        if (asMember !== 403) failures.push(`${route.method} ${route.path} (operator) as the owner of ${target} → ${asMember}`);
        if (asApiKey !== 403) failures.push(`${route.method} ${route.path} (operator) with an api key → ${asApiKey}`);
      }
    }
    expect(failures).toEqual([]);
    // Nobody signed in: 401, never data.
    expect(await anonymous.status('listKeys', { params: { tenant: tokyo.slug } })).toBe(401);
    // Seoul's owner sees Seoul's trace; Tokyo's key can read its own tenant.
    expect(await asKey.call('usage', { params: { tenant: tokyo.slug } })).toMatchObject({ spans: 1 });
  }, 60_000);

  it('enforces roles: viewers read but cannot write; only owners touch owners; the last owner stays', async () => {
    const inviteeEmail = email('carol');
    const invite = await tokyo.owner.call('createInvitation', { params: { tenant: tokyo.slug }, body: { email: inviteeEmail, role: 'viewer' } });
    expect(invite.emailDelivery).toBe('outbox');
    const token = new URL(invite.acceptUrl).searchParams.get('token')!;
    // Someone else cannot use it.
    const mallory = await SessionClient.signUp({ base, dataDir }, email('mallory'));
    expect(await mallory.status('acceptInvitation', { body: { token } })).toBe(400);
    const carol = await SessionClient.signUp(base, inviteeEmail, undefined, token);
    const session = await carol.call('getSession', {});
    expect(session.tenants).toEqual([expect.objectContaining({ slug: tokyo.slug, role: 'viewer' })]);
    expect(await carol.status('acceptInvitation', { body: { token } })).toBe(400); // used

    const t = { tenant: tokyo.slug };
    expect(await carol.status('hitmap', { params: t, query: { last: '10m' } })).toBe(200);
    expect(await carol.status('listKeys', { params: t })).toBe(200);
    expect(await carol.status('createKey', { params: t, body: { name: 'nope' } })).toBe(403);
    expect(await carol.status('createInvitation', { params: t, body: { email: email('x') } })).toBe(403);
    expect(await carol.status('updateTenant', { params: t, body: { name: 'mine' } })).toBe(403);
    expect(await carol.status('listAudit', { params: t, query: {} })).toBe(403);

    const members = await tokyo.owner.call('listMembers', { params: t });
    const ownerId = members.members.find((x) => x.role === 'owner')!.userId;
    const carolId = members.members.find((x) => x.email === inviteeEmail)!.userId;
    await tokyo.owner.call('changeMemberRole', { params: { ...t, userId: carolId }, body: { role: 'admin' } });
    expect(await carol.status('createKey', { params: t, body: { name: 'now ok' } })).toBe(200);
    expect(await carol.status('changeMemberRole', { params: { ...t, userId: ownerId }, body: { role: 'viewer' } })).toBe(403);
    expect(await carol.status('removeMember', { params: { ...t, userId: ownerId } })).toBe(403);
    expect(await tokyo.owner.status('changeMemberRole', { params: { ...t, userId: ownerId }, body: { role: 'admin' } })).toBe(409);

    await tokyo.owner.call('removeMember', { params: { ...t, userId: carolId } });
    expect(await carol.status('listKeys', { params: t })).toBe(404);
  }, 60_000);

  it('refuses cookie-authenticated writes without the CSRF token', async () => {
    const owner = tokyo.owner;
    const saved = owner.csrfToken;
    owner.csrfToken = undefined;
    expect(await owner.status('createKey', { params: { tenant: tokyo.slug }, body: { name: 'csrf' } })).toBe(403);
    owner.csrfToken = 'forged.' + 'a'.repeat(64);
    expect(await owner.status('createKey', { params: { tenant: tokyo.slug }, body: { name: 'csrf' } })).toBe(403);
    owner.csrfToken = saved;
    expect(await owner.status('createKey', { params: { tenant: tokyo.slug }, body: { name: 'csrf' } })).toBe(200);
    // Api keys carry no ambient credential: no CSRF token needed.
    const res = await fetch(`${base}/api/v1/tenants/${tokyo.slug}/usage`, { headers: { authorization: `Bearer ${tokyo.apiKey}` } });
    expect(res.status).toBe(200);
  });

  it('stops accepting a revoked ingest key at intake within seconds', async () => {
    const { key, secret } = await tokyo.owner.call('createKey', { params: { tenant: tokyo.slug }, body: { name: 'to revoke' } });
    const post = () =>
      fetch(`http://127.0.0.1:${m.ports.http}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: '{"resourceSpans":[]}',
      }).then((r) => r.status);
    expect(await post()).toBe(200);
    await tokyo.owner.call('revokeKey', { params: { tenant: tokyo.slug, keyId: key.id } });
    const revokedAt = Date.now();
    await eventually(async () => ((await post()) === 401 ? true : undefined), KEY_CACHE_MS + 5_000);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(KEY_CACHE_MS + 2_000);
    expect((await tokyo.owner.call('listKeys', { params: { tenant: tokyo.slug } })).keys.find((k) => k.id === key.id)!.revokedAt).not.toBeNull();
  }, 30_000);

  const signInFrom = (ip: string | undefined, who: string, password: string) =>
    fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(ip && { 'x-forwarded-for': ip }) },
      body: JSON.stringify({ email: who, password }),
    });
  const signUpRaw = (body: Record<string, unknown>) =>
    fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('never locks a correct sign-in from a clean address: floods from other IPs or for other accounts spend only their own budgets', async () => {
    const victim = email('victim');
    const user = await SessionClient.signUp({ base, dataDir }, victim);
    const victimSlug = slug('victim');
    await user.call('createTenant', { body: { slug: victimSlug, name: 'V', region: 'ap-northeast-1' } });

    // A sprayer behind the same proxy: many accounts from one address spend that address's budget…
    const sprayer = '203.0.113.7';
    const sprayed: number[] = [];
    for (let i = 0; i < ATTEMPTS_PER_IP + 5; i++) sprayed.push((await signInFrom(sprayer, `nobody-${i}@example.com`, 'wrong password')).status);
    expect(sprayed.slice(0, ATTEMPTS_PER_IP)).toEqual(Array(ATTEMPTS_PER_IP).fill(401));
    expect(sprayed.at(-1)).toBe(429);
    expect((await signInFrom(sprayer, victim, 'correct horse battery staple')).status).toBe(429);
    // …and guessing the victim's password from many addresses delays the account, never locks it.
    const guessers = Array.from({ length: 8 }, (_, i) => `198.51.100.${i + 1}`);
    for (const ip of guessers) for (let i = 0; i < FAILURES_PER_ACCOUNT_IP; i++) expect((await signInFrom(ip, victim, `guess ${i}`)).status).toBe(401);
    const pair = await signInFrom(guessers[0], victim, 'correct horse battery staple');
    expect(pair.status).toBe(429);
    expect(Number(pair.headers.get('retry-after'))).toBeGreaterThan(0);

    // The user, from a clean address (and from the proxy's own, which sent none of that), signs in.
    expect((await signInFrom('192.0.2.50', victim, 'correct horse battery staple')).status).toBe(200);
    expect((await signInFrom(undefined, victim, 'correct horse battery staple')).status).toBe(200);

    // The tenant's admins see the failures and the throttled attempts.
    await eventually(async () => {
      const actions = (await user.call('listAudit', { params: { tenant: victimSlug }, query: { limit: 500 } })).entries.map((e) => e.action);
      return actions.includes('auth.login_failed') && actions.includes('auth.login_throttled') ? true : undefined;
    }, 5_000);
  }, 60_000);

  it('answers known and unknown emails alike: wrong password, throttle, and sign-up', async () => {
    const known = (await tokyo.owner.call('getSession', {})).user.email;
    const unknown = email('ghost');
    const answers = async (who: string, ip: string) => {
      const out: Array<{ status: number; message: string }> = [];
      for (let i = 0; i <= FAILURES_PER_ACCOUNT_IP; i++) {
        const res = await signInFrom(ip, who, 'wrong password');
        out.push({ status: res.status, message: ((await res.json()) as { message: string }).message.replace(/\d+ s$/, 'N s') });
      }
      return out;
    };
    const forKnown = await answers(known, '192.0.2.61');
    expect(forKnown.map((a) => a.status)).toEqual([...Array(FAILURES_PER_ACCOUNT_IP).fill(401), 429]);
    expect(await answers(unknown, '192.0.2.62')).toEqual(forKnown);

    // Sign-up: the same answer whether the address has an account; the email tells them apart.
    const taken = await signUpRaw({ email: known, password: 'another long passphrase' });
    const fresh = await signUpRaw({ email: unknown, password: 'another long passphrase' });
    expect([taken.status, fresh.status]).toEqual([201, 201]);
    expect(await taken.json()).toEqual({ verification: 'sent', email: known });
    expect(await fresh.json()).toEqual({ verification: 'sent', email: unknown });
    const mails = await outboxEmails(dataDir);
    expect(mails.find((m) => m.to.includes(known) && /already has one/.test(m.text))).toBeDefined();
    // The new address has no account until its link is opened; the link works once.
    expect((await signInFrom('192.0.2.63', unknown, 'another long passphrase')).status).toBe(401);
    const token = new URL(await readSignupEmailLink(dataDir, unknown)).searchParams.get('token')!;
    const verified = new SessionClient(base);
    expect((await verified.call('verifyEmail', { body: { token } })).user.email).toBe(unknown);
    expect(await new SessionClient(base).status('verifyEmail', { body: { token } })).toBe(400);
    expect((await signInFrom('192.0.2.63', unknown, 'another long passphrase')).status).toBe(200);
    // The existing account kept its password.
    expect((await signInFrom('192.0.2.64', known, 'another long passphrase')).status).toBe(401);
  }, 60_000);

  it('refuses weak passwords at sign-up, naming body.password and the reason', async () => {
    const who = email('weak');
    for (const [password, reason] of [
      ['          ', /spaces/],
      ['aaaaaaaaaa', /too few characters/],
      ['password12', /common password/],
      [who, /email/],
    ] as const) {
      const res = await signUpRaw({ email: who, password });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { issues: Array<{ field: string; message: string }> };
      expect(body.issues).toEqual([{ field: 'body.password', message: expect.stringMatching(reason) }]);
    }
  });

  it('creates no account when sign-up carries a bad invitation', async () => {
    const who = email('uninvited');
    const res = await signUpRaw({ email: who, password: 'correct horse battery staple', inviteToken: 'A'.repeat(43) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: Array<{ field: string }> }).issues).toEqual([expect.objectContaining({ field: 'body.inviteToken' })]);
    expect((await signInFrom('192.0.2.70', who, 'correct horse battery staple')).status).toBe(401);
    // A real invitation for another address does not help either.
    const invite = await tokyo.owner.call('createInvitation', { params: { tenant: tokyo.slug }, body: { email: email('someone-else'), role: 'viewer' } });
    const token = new URL(invite.acceptUrl).searchParams.get('token')!;
    expect((await signUpRaw({ email: who, password: 'correct horse battery staple', inviteToken: token })).status).toBe(400);
    expect((await signInFrom('192.0.2.70', who, 'correct horse battery staple')).status).toBe(401);
  });

  it('keeps an audit log of sign-ins, keys, roles and the region choice', async () => {
    const again = await SessionClient.signIn(base, (await tokyo.owner.call('getSession', {})).user.email);
    expect((await again.call('getSession', {})).tenants.map((t) => t.slug)).toContain(tokyo.slug);
    const audit = await tokyo.owner.call('listAudit', { params: { tenant: tokyo.slug }, query: { limit: 500 } });
    const actions = audit.entries.map((e) => e.action);
    for (const a of [
      'auth.login',
      'tenant.create',
      'tenant.region_lock',
      'ingest_key.create',
      'api_key.create',
      'ingest_key.revoke',
      'invitation.create',
      'member.join',
      'member.role_change',
      'member.remove',
      'tenant.rename',
    ]) {
      expect(actions).toContain(a);
    }
    const page = await tokyo.owner.call('listAudit', { params: { tenant: tokyo.slug }, query: { limit: 2 } });
    expect(page.entries).toHaveLength(2);
    const next = await tokyo.owner.call('listAudit', { params: { tenant: tokyo.slug }, query: { limit: 2, before: page.nextBefore! } });
    expect(Number(next.entries[0].id)).toBeLessThan(Number(page.entries[1].id));
    // Seoul's log holds nothing of Tokyo's.
    const seoulLog = await seoul.owner.call('listAudit', { params: { tenant: seoul.slug }, query: { limit: 500 } });
    expect(JSON.stringify(seoulLog)).not.toContain(tokyo.id);
  });

  it('serves the OpenAPI document of every route', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops.sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  it('keeps sessions across a restart, ends them on sign-out, and stored each tenant only in its region', async () => {
    await m.stop();
    // The server is down: look into the embedded ClickHouse it wrote, region database by region database.
    const regions = ['ap-northeast-1', 'ap-northeast-2'].map((id) => ({ id, database: `meridian_${id.replace(/-/g, '_')}` }));
    expect(await countSpansByRegion(dataDir, regions, [tokyo.id, seoul.id])).toEqual({
      'ap-northeast-1': { [tokyo.id]: 1, [seoul.id]: 0 },
      'ap-northeast-2': { [tokyo.id]: 0, [seoul.id]: 1 },
    });

    m = await startMeridian({ dataDir, env });
    const restarted = new SessionClient(`http://127.0.0.1:${m.ports.api}`);
    for (const [k, v] of tokyo.owner.cookies) restarted.cookies.set(k, v);
    const session = await restarted.call('getSession', {});
    expect(session.tenants.map((t) => t.slug)).toContain(tokyo.slug);
    await restarted.call('signOut', {});
    expect(restarted.cookies.has('mrd_session')).toBe(false);
    for (const [k, v] of tokyo.owner.cookies) restarted.cookies.set(k, v);
    expect(await restarted.status('getSession', {})).toBe(401);
  }, 120_000);
});

/** A syntactically valid request for a route, aimed at `tenant` (validation must not be what stops it). */
function sampleInput(route: RouteDef, tenant: string, traceId: string): Record<string, unknown> {
  const params: Record<string, string> = { tenant };
  for (const m of route.path.matchAll(/\{(\w+)\}/g)) {
    if (m[1] !== 'tenant') params[m[1]] = m[1] === 'traceId' ? traceId : randomUUID();
  }
  const input: Record<string, unknown> = { params };
  if (route.query) input.query = {};
  if (route.body) input.body = { name: 'x', email: 'x@example.com', role: 'viewer' };
  return input;
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}
