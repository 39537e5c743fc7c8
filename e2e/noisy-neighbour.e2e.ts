import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { ApiClient, type MeridianProcess, SessionClient, startMeridian } from '@meridian/testing';

/**
 * Issue 12, item 4: one tenant floods intake from 16 connections, far over its span rate, and
 * ignores Retry-After; another tenant of the same region keeps sending a span every 500 ms.
 * The flooder gets 429s with Retry-After and no more than its rate (plus burst) is stored;
 * every span of the other tenant is answered 200 and readable within 5 s throughout; the
 * flooder's throttled spans show in its metered usage.
 */

const SPANS_PER_SECOND = 2_000;
const BURST_SECONDS = 2;
const FLOOD_CONNECTIONS = 16;
const FLOOD_MS = 10_000;
const SPANS_PER_FLOOD_REQUEST = 200;
const VICTIM_EVERY_MS = 500;
const READABLE_WITHIN_MS = 5_000;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tracesJson(traceIds: readonly string[], service: string): Buffer {
  const now = Date.now() * 1e6;
  const spans = traceIds.map((traceId) => ({
    traceId,
    spanId: hex(8),
    name: 'GET /orders',
    kind: 2,
    startTimeUnixNano: String(now - 5e6),
    endTimeUnixNano: String(now),
    attributes: [{ key: 'http.route', value: { stringValue: '/orders' } }],
  }));
  return Buffer.from(
    JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] }),
  );
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

function post(port: number, key: string, body: Buffer, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${key}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('noisy neighbour: one tenant flooding intake does not slow another', () => {
  let m: MeridianProcess;
  let owner: SessionClient;
  const flooder = { slug: `flooder-${hex(3)}`, ingestKey: '' };
  const victim = { slug: `victim-${hex(3)}`, ingestKey: '', reader: undefined as unknown as ApiClient };

  beforeAll(async () => {
    m = await startMeridian({
      env: { MERIDIAN_INTAKE_SPANS_PER_SECOND: String(SPANS_PER_SECOND), MERIDIAN_INTAKE_BURST_SECONDS: String(BURST_SECONDS), MERIDIAN_USAGE_FLUSH_MS: '500' },
      timeoutMs: 120_000,
    });
    const base = `http://127.0.0.1:${m.ports.api}`;
    owner = await SessionClient.signUp({ base, dataDir: m.dataDir }, `noisy-${hex(3)}@example.com`);
    const { defaultRegion } = await owner.call('listRegions', {});
    for (const t of [flooder, victim]) {
      await owner.call('createTenant', { body: { slug: t.slug, name: t.slug, region: defaultRegion } }); // both in one region
      t.ingestKey = (await owner.call('createKey', { params: { tenant: t.slug }, body: { name: 'e2e', kind: 'ingest' } })).secret;
    }
    const readKey = (await owner.call('createKey', { params: { tenant: victim.slug }, body: { name: 'reader', kind: 'api' } })).secret;
    victim.reader = new ApiClient(m.ports.api, readKey, victim.slug);
  }, 150_000);

  afterAll(async () => {
    await m?.stop();
  });

  it('throttles only the flooder (429 + Retry-After, at most its rate stored) while the other tenant stays readable within 5 s', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
    const statuses = new Map<number, number>();
    const badRetryAfter: string[] = [];
    let acceptedSpans = 0;
    let flooding = true;
    // Bodies made up front: the flooder's client should spend the shared cores on sending, not on JSON.
    const bodies = Array.from({ length: 64 }, () =>
      tracesJson(
        Array.from({ length: SPANS_PER_FLOOD_REQUEST }, () => hex(16)),
        'flood',
      ),
    );
    let sent = 0;
    const floodStarted = Date.now();
    const floodClient = async () => {
      while (flooding) {
        const r = await post(m.ports.http, flooder.ingestKey, bodies[sent++ % bodies.length], agent);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) acceptedSpans += SPANS_PER_FLOOD_REQUEST;
        if (r.status === 429 && !(Number(r.retryAfter) >= 1)) badRetryAfter.push(String(r.retryAfter));
        if (r.status === 429 && statuses.get(429) === 1)
          expect(JSON.parse(r.body)).toMatchObject({ code: 8, message: expect.stringContaining(`${SPANS_PER_SECOND} spans/s`) });
      }
    };
    const flood = Array.from({ length: FLOOD_CONNECTIONS }, floodClient);

    // The victim: one span every 500 ms for the whole flood, each read back through the read API.
    const readable: number[] = [];
    const victimFailures: string[] = [];
    const checks: Array<Promise<void>> = [];
    let victimAccepted = 0;
    // On a fixed schedule, not one after another: a slow answer must not thin out the victim's traffic.
    const sendLatencies: number[] = [];
    for (let at = floodStarted; at < floodStarted + FLOOD_MS; at += VICTIM_EVERY_MS) {
      await sleep(Math.max(0, at - Date.now()));
      const traceId = hex(16);
      const sent = Date.now();
      checks.push(
        (async () => {
          const r = await post(m.ports.http, victim.ingestKey, tracesJson([traceId], 'checkout'));
          sendLatencies.push(Date.now() - sent);
          if (r.status !== 200) return void victimFailures.push(`send at +${sent - floodStarted} ms answered ${r.status}: ${r.body}`);
          victimAccepted++;
          while (Date.now() - sent < READABLE_WITHIN_MS) {
            const found = (await victim.reader.get(`/traces/${traceId}`)).status === 200;
            if (found && Date.now() - sent <= READABLE_WITHIN_MS) return void readable.push(Date.now() - sent);
            await sleep(100);
          }
          victimFailures.push(`span ${traceId} sent at +${sent - floodStarted} ms not readable within ${READABLE_WITHIN_MS} ms`);
        })(),
      );
    }
    flooding = false;
    await Promise.all(flood);
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    agent.destroy();
    await Promise.all(checks);

    console.log(
      `noisy neighbour: flooder ${statuses.get(200) ?? 0} × 200, ${statuses.get(429) ?? 0} × 429 in ${floodSeconds.toFixed(1)} s (${Math.round(acceptedSpans / floodSeconds)} spans/s accepted); ` +
        `victim readable p50 ${readable.sort((a, b) => a - b)[Math.floor(readable.length / 2)]} ms, max ${readable[readable.length - 1]} ms; ` +
        `victim send p50 ${sendLatencies.sort((a, b) => a - b)[Math.floor(sendLatencies.length / 2)]} ms, max ${sendLatencies[sendLatencies.length - 1]} ms`,
    );
    expect(victimFailures).toEqual([]);
    expect(readable.length).toBe(FLOOD_MS / VICTIM_EVERY_MS);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect(badRetryAfter).toEqual([]);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    // Token bucket: what the flooder got through is bounded by its rate over the flood plus one burst.
    expect(acceptedSpans).toBeLessThanOrEqual(SPANS_PER_SECOND * (floodSeconds + BURST_SECONDS));
    expect(acceptedSpans).toBeGreaterThan(SPANS_PER_SECOND * (floodSeconds - 2) * 0.5); // and it was not starved either

    // Metered usage: the flooder's throttled spans, flushed by intake to the control plane.
    const usage = await victim.reader.eventually(
      async () => {
        const u = await owner.call('getIngestUsage', { params: { tenant: flooder.slug }, query: {} });
        const traces = u.totals.find((t) => t.signal === 'traces');
        return traces && traces.acceptedItems === acceptedSpans ? traces : undefined;
      },
      10_000,
      "the flooder's usage to be flushed",
    );
    expect(usage.throttledItems).toBe((statuses.get(429) ?? 0) * SPANS_PER_FLOOD_REQUEST);
    expect(usage.throttledBytes).toBeGreaterThan(0);
    const victimUsage = await victim.reader.eventually(
      async () => {
        const traces = (await owner.call('getIngestUsage', { params: { tenant: victim.slug }, query: {} })).totals.find((t) => t.signal === 'traces');
        return traces && traces.acceptedItems === victimAccepted ? traces : undefined;
      },
      10_000,
      "the victim's usage to be flushed",
    );
    expect(victimUsage).toMatchObject({ throttledItems: 0, throttledBytes: 0 });

    // Operators see the refusals in /metrics, without any tenant id.
    const metrics = await (await fetch(`http://127.0.0.1:${m.ports.api}/metrics`)).text();
    const throttled = /meridian_intake_throttled_total\{signal="traces",limit="items"\} (\d+)/.exec(metrics);
    expect(Number(throttled?.[1])).toBe(statuses.get(429));
  }, 90_000);
});
