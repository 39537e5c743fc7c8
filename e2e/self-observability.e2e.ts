/**
 * What an operator scrapes and ships from a real server process: Prometheus series of every role
 * on GET /metrics that move with the traffic (per-tenant series only with the metrics token), and
 * `MERIDIAN_LOG_FORMAT=json` logs — one JSON object per line, with the request id the api echoes
 * (or creates) in `x-request-id`.
 */
import { randomBytes } from 'node:crypto';
import { ApiClient, type MeridianProcess, SessionClient, startMeridian } from '@meridian/testing';
import { otlpTracesJson } from './support/otlp-load';

describe('self-observability of a running server', () => {
  let server: MeridianProcess;
  const metricsToken = randomBytes(24).toString('hex');

  beforeAll(async () => {
    server = await startMeridian({ env: { MERIDIAN_LOG_FORMAT: 'json', MERIDIAN_ALERT_INTERVAL_MS: '500', MERIDIAN_METRICS_TOKEN: metricsToken } });
  }, 120_000);
  afterAll(() => server?.stop());

  const scrapeWith = (authorization?: string) => fetch(`http://127.0.0.1:${server.ports.api}/metrics`, { headers: authorization ? { authorization } : {} });
  const scrape = async () => (await scrapeWith()).text();
  /** Sum of every sample of `name` whose labels contain all of `labels`. */
  const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

  it('GET /metrics: intake accepted/rejected spans, ingester inserts, api requests, alert evaluations', async () => {
    const api = new ApiClient(server.ports.api, server.apiKey);
    const before = await scrape();

    const good = Array.from({ length: 3 }, () => randomBytes(16).toString('hex'));
    const body = JSON.parse(otlpTracesJson([...good, 'not-a-trace-id'])) as { resourceSpans: unknown[] };
    const res = await fetch(`http://127.0.0.1:${server.ports.http}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.ingestKey}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ partialSuccess: { rejectedSpans: '1' } });
    await api.eventually(async () => ((await api.get(`/traces/${good[2]}`)).status === 200 ? true : undefined), 20_000, 'the spans stored');

    const rule = await fetch(`http://127.0.0.1:${server.ports.api}/api/v1/tenants/demo/alerting/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
      body: JSON.stringify({ key: 'metrics-e2e', name: 'Slow', metric: 'latency_p95', warning: 1000, windowSeconds: 60 }),
    });
    expect(rule.status).toBeLessThan(300);

    const after = await api.eventually(
      async () => {
        const text = await scrape();
        return sample(text, 'meridian_alert_evaluations_total', { outcome: 'ok' }) > sample(before, 'meridian_alert_evaluations_total', { outcome: 'ok' })
          ? text
          : undefined;
      },
      20_000,
      'an alert evaluation counted',
    );

    const intake = (outcome: string) => (text: string) => sample(text, 'meridian_intake_items_total', { signal: 'traces', outcome });
    expect(intake('accepted')(after) - intake('accepted')(before)).toBe(3);
    expect(intake('rejected')(after) - intake('rejected')(before)).toBe(1);
    expect(after).toMatch(/^meridian_intake_items_total\{signal="traces",outcome="accepted"\} \d+/m);
    const inserts = (text: string) => sample(text, 'meridian_ingester_insert_seconds_count', { table: 'spans' });
    expect(inserts(after)).toBeGreaterThan(inserts(before));
    const traceRoute = { method: 'GET', route: '/api/v1/tenants/:tenant/traces/:traceId' };
    expect(sample(after, 'meridian_http_requests_total', { ...traceRoute, status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'meridian_http_request_seconds_count', traceRoute)).toBeGreaterThan(sample(before, 'meridian_http_request_seconds_count', traceRoute));
    expect(after).toMatch(/^meridian_process_cpu_seconds_total \d/m);
  }, 60_000);

  it('GET /metrics names no tenant to an anonymous scrape; the metrics token adds the per-tenant series; a wrong token is refused', async () => {
    const base = `http://127.0.0.1:${server.ports.api}`;
    const owner = await SessionClient.signUp({ base, dataDir: server.dataDir }, `metrics-${randomBytes(3).toString('hex')}@example.com`);
    const slug = `metrics-${randomBytes(3).toString('hex')}`;
    const { defaultRegion } = await owner.call('listRegions', {});
    const tenant = await owner.call('createTenant', { body: { slug, name: 'Metrics', region: defaultRegion } });
    const ingestKey = (await owner.call('createKey', { params: { tenant: slug }, body: { name: 'e2e', kind: 'ingest' } })).secret;
    const ids = Array.from({ length: 4 }, () => randomBytes(16).toString('hex'));
    const sent = await fetch(`http://127.0.0.1:${server.ports.http}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
      body: otlpTracesJson(ids),
    });
    expect(sent.status).toBe(200);
    // Requests that carry the slug in their path, so a route label with raw paths would show it.
    expect(await owner.status('listAlertRules', { params: { tenant: slug } })).toBe(200);

    const full = await scrapeWith(`Bearer ${metricsToken}`);
    expect(full.status).toBe(200);
    const perTenant = await full.text();
    expect(sample(perTenant, 'meridian_intake_items_total', { tenant: tenant.id, signal: 'traces', outcome: 'accepted' })).toBe(4);

    const anonymous = await scrape();
    expect(sample(anonymous, 'meridian_intake_items_total', { signal: 'traces', outcome: 'accepted' })).toBeGreaterThanOrEqual(4);
    expect(anonymous).not.toContain(tenant.id);
    expect(anonymous).not.toContain(slug);
    expect(anonymous).not.toMatch(/tenant="/);

    for (const authorization of [`Bearer ${metricsToken}x`, 'Bearer ', `Basic ${metricsToken}`]) {
      const refused = await scrapeWith(authorization);
      expect(refused.status).toBe(401);
      const text = await refused.text();
      expect(text).not.toContain(tenant.id);
      expect(text).toContain('metrics token');
    }
  }, 60_000);

  it('JSON logs: one object per line with time, level, msg, role; the request id is echoed and logged', async () => {
    const id = `e2e-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`http://127.0.0.1:${server.ports.api}/api/v1/tenants/demo/usage`, {
      headers: { authorization: `Bearer ${server.apiKey}`, 'x-request-id': id },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);
    const fresh = await fetch(`http://127.0.0.1:${server.ports.api}/api/v1/tenants/demo/usage`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.status).toBe(401);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const freshId = fresh.headers.get('x-request-id')!;
    const lines = await new ApiClient(server.ports.api, server.apiKey).eventually(
      async () => {
        const all = server.output().split('\n').filter(Boolean);
        return all.some((l) => l.includes(id)) && all.some((l) => l.includes(freshId)) ? all : undefined;
      },
      10_000,
      'both requests logged',
    );
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>); // throws on any non-JSON line
    for (const r of records) {
      expect(typeof r.time).toBe('string');
      expect(Number.isNaN(Date.parse(r.time as string))).toBe(false);
      expect(r).toMatchObject({ role: 'all', level: expect.stringMatching(/^(info|warn|error|fatal)$/), msg: expect.any(String) });
    }
    expect(records).toContainEqual(
      expect.objectContaining({ requestId: id, level: 'info', msg: 'GET /api/v1/tenants/demo/usage 200', status: 200, context: 'http' }),
    );
    expect(records).toContainEqual(expect.objectContaining({ requestId: freshId, status: 401 }));
    expect(records).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^Meridian is running/), context: 'meridian' }));
  }, 30_000);
});
