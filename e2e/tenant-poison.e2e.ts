/**
 * Two tenants in one region of the real server: whatever the attacker sends over OTLP/JSON, the
 * victim's next span is readable within 5 s. Intake may refuse the poison up front (first wall)
 * or let it reach ClickHouse, where the ingester isolates the refused rows (second wall): the
 * test holds either way.
 */
import { randomBytes } from 'node:crypto';
import { ApiClient, SessionClient, startMeridian, type MeridianProcess } from '@meridian/testing';

const READABLE_WITHIN_MS = 5_000;
const DAY_NS = 86_400_000_000_000n;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** Replaced after JSON.stringify, to put raw JSON text (a lone surrogate escape) where a value goes. */
const RAW = (s: string) => `@@RAW:${Buffer.from(s).toString('base64')}@@`;
const unraw = (json: string) => json.replace(/"@@RAW:([A-Za-z0-9+/=]*)@@"/g, (_, b64: string) => Buffer.from(b64, 'base64').toString());

interface JsonSpan {
  traceId: string;
  spanId: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  kind: number;
  attributes: object[];
}

function span(name: string, overrides: Partial<JsonSpan> = {}): JsonSpan {
  const start = nowNs() - 20_000_000n;
  return {
    traceId: hex(16),
    spanId: hex(8),
    name,
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 10_000_000n),
    attributes: [{ key: 'http.route', value: { stringValue: '/poison' } }],
    ...overrides,
  };
}

function traces(spans: object[], service: string): string {
  return unraw(
    JSON.stringify({
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] },
      ],
    }),
  );
}

function gauge(value: unknown, service: string): string {
  const t = String(nowNs());
  return unraw(
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeMetrics: [{ scope: { name: 'e2e' }, metrics: [{ name: 'poison.gauge', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: value }] } }] }],
        },
      ],
    }),
  );
}

const status = (value: object) => ({ key: 'http.response.status_code', value });

/** What the attacker sends: a body for /v1/traces (with one good span beside the poison, when it has spans) or /v1/metrics. */
const POISON: { kind: string; path: '/v1/traces' | '/v1/metrics'; body: (goodSpan: JsonSpan) => string }[] = [
  {
    kind: 'timestamp after 2262',
    path: '/v1/traces',
    body: (g) => traces([g, span('late', { startTimeUnixNano: '10413792000000000000', endTimeUnixNano: '10413792000001000000' })], 'attacker'),
  },
  {
    kind: 'negative timestamp text',
    path: '/v1/traces',
    body: (g) => traces([g, span('negative', { startTimeUnixNano: '-5', endTimeUnixNano: '-1' })], 'attacker'),
  },
  { kind: 'lone surrogate escape in a name', path: '/v1/traces', body: (g) => traces([g, span(RAW('"GET \\ud800"'))], 'attacker') },
  {
    kind: 'lone surrogate escape in an attribute',
    path: '/v1/traces',
    body: (g) => traces([g, span('attr', { attributes: [{ key: 'k', value: { stringValue: RAW('"\\ud800"') } }] })], 'attacker'),
  },
  {
    kind: 'http.response.status_code -1',
    path: '/v1/traces',
    body: (g) => traces([g, span('minus-one', { attributes: [status({ intValue: '-1' })] })], 'attacker'),
  },
  {
    kind: 'http.response.status_code "1e300"',
    path: '/v1/traces',
    body: (g) => traces([g, span('huge-text', { attributes: [status({ stringValue: '1e300' })] })], 'attacker'),
  },
  {
    kind: 'http.response.status_code 1e300 (double)',
    path: '/v1/traces',
    body: (g) => traces([g, span('huge-double', { attributes: [status({ doubleValue: 1e300 })] })], 'attacker'),
  },
  {
    kind: 'http.response.status_code 70000',
    path: '/v1/traces',
    body: (g) => traces([g, span('too-wide', { attributes: [status({ intValue: '70000' })] })], 'attacker'),
  },
  {
    kind: '120 distinct days in one request',
    path: '/v1/traces',
    body: (g) => {
      const spans = Array.from({ length: 120 }, (_, d) => {
        const start = nowNs() - BigInt(d) * DAY_NS - 1_000_000_000n;
        return span(`day-${d}`, { startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_000_000n) });
      });
      return traces([g, ...spans], 'attacker');
    },
  },
  { kind: 'NaN in a Float64', path: '/v1/metrics', body: () => gauge('NaN', 'attacker') },
  { kind: 'null in a Float64', path: '/v1/metrics', body: () => gauge(null, 'attacker') },
  { kind: 'non-numeric value in a Float64', path: '/v1/metrics', body: () => gauge('abc', 'attacker') },
];

describe('one tenant’s poison never stops another tenant of the region', () => {
  let m: MeridianProcess;
  let victim: ApiClient;
  let attacker: { ingestKey: string; api: ApiClient };

  const send = async (path: string, body: string, ingestKey: string) => {
    const res = await fetch(`http://127.0.0.1:${m.ports.http}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const readable = (api: ApiClient, traceId: string, timeoutMs: number, what: string) =>
    api.eventually(async () => ((await api.get(`/traces/${traceId}`)).status === 200 ? true : undefined), timeoutMs, what);

  beforeAll(async () => {
    m = await startMeridian();
    victim = new ApiClient(m.ports.api, m.apiKey);
    // The attacker signs up like any customer and gets a tenant in the same (default) region.
    const base = `http://127.0.0.1:${m.ports.api}`;
    const owner = await SessionClient.signUp({ base, dataDir: m.dataDir }, `attacker-${Date.now()}@example.com`);
    const { defaultRegion } = await owner.call('listRegions', {});
    const slug = `attacker-${Date.now().toString(36)}`;
    await owner.call('createTenant', { body: { slug, name: 'Attacker', region: defaultRegion } });
    const ingestKey = (await owner.call('createKey', { params: { tenant: slug }, body: { name: 'poison', kind: 'ingest' } })).secret;
    const apiKey = (await owner.call('createKey', { params: { tenant: slug }, body: { name: 'read', kind: 'api' } })).secret;
    attacker = { ingestKey, api: new ApiClient(m.ports.api, apiKey, slug) };
    // Both tenants store normally before the attack.
    const first = span('victim-before');
    expect((await send('/v1/traces', traces([first], 'victim'), m.ingestKey)).status).toBe(200);
    await readable(victim, first.traceId, 20_000, 'the victim span sent before the attack');
  }, 180_000);

  afterAll(async () => {
    await m?.stop();
  });

  it.each(POISON)('$kind: the victim’s next span is readable within 5 s', async ({ path, body }) => {
    const good = span('attacker-good');
    const poison = await send(path, body(good), attacker.ingestKey);
    // Intake may refuse it (4xx, or 200 with partialSuccess) or accept it: both are fine here.
    expect(poison.status).not.toBe(500);

    const next = span('victim-after');
    expect((await send('/v1/traces', traces([next], 'victim'), m.ingestKey)).status).toBe(200);
    await readable(victim, next.traceId, READABLE_WITHIN_MS, `the victim's span after "${path}" poison`);

    // The attacker's good span beside the poison is not lost with it when the request was accepted.
    if (poison.status === 200 && path === '/v1/traces') await readable(attacker.api, good.traceId, 20_000, 'the attacker’s good span');
  });

  it('the server is healthy after the attack', async () => {
    const res = await fetch(`http://127.0.0.1:${m.ports.api}/healthz`);
    expect(res.status).toBe(200);
    expect(m.output()).not.toMatch(/FATAL|heap out of memory/i);
  });
});
