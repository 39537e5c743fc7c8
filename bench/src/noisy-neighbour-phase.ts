/**
 * Noisy neighbour: one tenant offers twice its span rate (OTLP/HTTP protobuf SDK payloads on a
 * fixed schedule, Retry-After ignored) while another tenant of the same region sends single
 * spans at a steady rate. Measures the second tenant's send → readable time (polling the read
 * API by trace id) first alone, then during the flood, and the flooder's share of 429 answers.
 *
 * Runs its own server (all roles, inline bus, its own data dir). Alone:
 *   node scripts/run-ts.js bench/src/noisy-neighbour-phase.ts   (BENCH_NOISY_* as in bench.ts)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient, SessionClient, startMeridian } from '@meridian/testing';
import { percentile } from './ingest-phase';
import { generatePayloads } from './payloads';

export interface NoisyNeighbourOptions {
  /** Per-tenant span limit of the server (both tenants); the flooder offers twice this. */
  spansPerSecond: number;
  /** Flood duration. */
  seconds: number;
  /** The victim alone before the flood: its baseline. */
  quietSeconds: number;
  /** Victim requests per second, one span each. */
  victimRequestsPerSecond: number;
  /** Server environment besides the limits (batching etc.). */
  env: Record<string, string>;
  seed: number;
  log: (line: string) => void;
}

export interface LatencySummary {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface NoisyNeighbourResult {
  limitSpansPerSec: number;
  offeredSpansPerSec: number;
  acceptedSpansPerSec: number;
  flooderRequests: number;
  flooder429: number;
  /** 429 answers / flooder requests. */
  flooder429Share: number;
  /** Send → readable through the read API, victim alone. */
  victimQuiet: LatencySummary;
  /** The same while the flood runs. */
  victimDuringFlood: LatencySummary;
  /** Victim request latency (send → 200) during the flood. */
  victimSendDuringFlood: LatencySummary;
  /** Victim requests not answered 200, or not readable within 30 s. */
  victimFailures: number;
}

const READABLE_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function post(port: number, key: string, body: Buffer, contentType: string, agent: Agent): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': contentType, 'content-length': String(body.length), authorization: `Bearer ${key}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function victimSpan(traceId: string): Buffer {
  const now = Date.now() * 1e6;
  const span = {
    traceId,
    spanId: hex(8),
    name: 'GET /checkout',
    kind: 2,
    startTimeUnixNano: String(now - 3e6),
    endTimeUnixNano: String(now),
    attributes: [{ key: 'http.route', value: { stringValue: '/checkout' } }],
  };
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'victim' } }] }, scopeSpans: [{ spans: [span] }] }],
    }),
  );
}

function summary(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] ?? 0 };
}

/** The victim: one span every 1/rate s until `untilMs`, each polled by trace id until readable. */
async function runVictim(port: number, key: string, reader: ApiClient, rate: number, untilMs: number, failures: { n: number }) {
  const agent = new Agent({ keepAlive: true });
  const readable: number[] = [];
  const send: number[] = [];
  const pending: Array<Promise<void>> = [];
  for (let at = Date.now(); at < untilMs; at += 1000 / rate) {
    await sleep(Math.max(0, at - Date.now()));
    const traceId = hex(16);
    const sent = performance.now();
    pending.push(
      (async () => {
        const status = await post(port, key, victimSpan(traceId), 'application/json', agent).catch(() => 0);
        send.push(performance.now() - sent);
        if (status !== 200) return void failures.n++;
        while (performance.now() - sent < READABLE_TIMEOUT_MS) {
          if ((await reader.get(`/traces/${traceId}`)).status === 200) return void readable.push(performance.now() - sent);
          await sleep(POLL_MS);
        }
        failures.n++;
      })(),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return { readable: summary(readable), send: summary(send) };
}

export async function runNoisyNeighbourPhase(opts: NoisyNeighbourOptions): Promise<NoisyNeighbourResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-noisy-'));
  const m = await startMeridian({
    dataDir,
    env: { ...opts.env, MERIDIAN_DEMO: '0', MERIDIAN_INTAKE_SPANS_PER_SECOND: String(opts.spansPerSecond) },
    timeoutMs: 120_000,
  });
  try {
    // The victim is the demo tenant (its keys come with the server); the flooder a tenant made through the API, same region.
    const base = `http://127.0.0.1:${m.ports.api}`;
    const owner = await SessionClient.signUp({ base, dataDir }, `bench-noisy-${hex(3)}@example.com`);
    const { defaultRegion } = await owner.call('listRegions', {});
    const slug = `flooder-${hex(3)}`;
    await owner.call('createTenant', { body: { slug, name: 'flooder', region: defaultRegion } });
    const flooderKey = (await owner.call('createKey', { params: { tenant: slug }, body: { name: 'bench', kind: 'ingest' } })).secret;
    const reader = new ApiClient(m.ports.api, m.apiKey, 'demo');

    const payloads = generatePayloads({ payloads: 64, spansPerPayload: 200, seed: opts.seed, endTimeMs: Date.now(), spreadMs: 60_000 });
    const failures = { n: 0 };
    opts.log(`  victim alone for ${opts.quietSeconds} s (${opts.victimRequestsPerSecond} spans/s)`);
    const quiet = await runVictim(m.ports.http, m.ingestKey, reader, opts.victimRequestsPerSecond, Date.now() + opts.quietSeconds * 1000, failures);

    // The flooder: SDK payloads on a fixed schedule at 2× its limit, at most 64 requests in flight.
    const offered = 2 * opts.spansPerSecond;
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const started = performance.now();
    const until = Date.now() + opts.seconds * 1000;
    let sentSpans = 0;
    let acceptedSpans = 0;
    let requests = 0;
    let refused = 0;
    let inFlight = 0;
    const flood = (async () => {
      const inflight = new Set<Promise<void>>();
      for (let i = 0; Date.now() < until; i++) {
        const due = started + (sentSpans / offered) * 1000;
        await sleep(Math.max(0, due - performance.now()));
        if (inFlight >= 64) continue;
        const body = payloads.bodies[i % payloads.bodies.length];
        const spans = payloads.spanCounts[i % payloads.bodies.length];
        sentSpans += spans;
        inFlight++;
        const p: Promise<void> = post(m.ports.http, flooderKey, body, 'application/x-protobuf', agent)
          .then((status) => {
            requests++;
            if (status === 200) acceptedSpans += spans;
            else if (status === 429) refused++;
          })
          .catch(() => undefined)
          .finally(() => {
            inFlight--;
            inflight.delete(p);
          });
        inflight.add(p);
      }
      await Promise.all(inflight);
    })();
    opts.log(`  flooder offers ${offered} spans/s (limit ${opts.spansPerSecond}) for ${opts.seconds} s while the victim sends`);
    const during = await runVictim(m.ports.http, m.ingestKey, reader, opts.victimRequestsPerSecond, until, failures);
    await flood;
    const floodSeconds = (performance.now() - started) / 1000;
    agent.destroy();

    const result: NoisyNeighbourResult = {
      limitSpansPerSec: opts.spansPerSecond,
      offeredSpansPerSec: sentSpans / floodSeconds,
      acceptedSpansPerSec: acceptedSpans / floodSeconds,
      flooderRequests: requests,
      flooder429: refused,
      flooder429Share: requests ? refused / requests : 0,
      victimQuiet: quiet.readable,
      victimDuringFlood: during.readable,
      victimSendDuringFlood: during.send,
      victimFailures: failures.n,
    };
    opts.log(
      `  victim send→readable p50/p99: alone ${result.victimQuiet.p50Ms.toFixed(0)}/${result.victimQuiet.p99Ms.toFixed(0)} ms, during the flood ${result.victimDuringFlood.p50Ms.toFixed(0)}/${result.victimDuringFlood.p99Ms.toFixed(0)} ms (${result.victimFailures} failures); ` +
        `flooder offered ${result.offeredSpansPerSec.toFixed(0)} spans/s, accepted ${result.acceptedSpansPerSec.toFixed(0)}, 429 on ${(result.flooder429Share * 100).toFixed(1)} % of ${requests} requests`,
    );
    return result;
  } finally {
    await m.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Alone: `node scripts/run-ts.js bench/src/noisy-neighbour-phase.ts` (run-ts sets argv[1] to the entry).
if (resolve(process.argv[1] ?? '') === __filename) {
  const num = (name: string, fallback: number) => Number(process.env[name] || fallback);
  runNoisyNeighbourPhase({
    spansPerSecond: num('BENCH_NOISY_LIMIT', 5_000),
    seconds: num('BENCH_NOISY_SECONDS', 20),
    quietSeconds: num('BENCH_NOISY_QUIET_SECONDS', 5),
    victimRequestsPerSecond: num('BENCH_NOISY_VICTIM_RPS', 5),
    env: {},
    seed: 20261121,
    log: (l) => console.log(l),
  }).then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    },
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    },
  );
}
