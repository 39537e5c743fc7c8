/**
 * Distributed mode as separate processes, the way the Helm chart deploys a region cell: a control
 * plane on PostgreSQL (a fresh database), intake ×2, ingester ×2, api and alerter, all from the
 * same binary with different `--roles`, over a real Kafka-protocol broker (librdkafka's mock).
 * Raw OTLP/JSON requests are spread over both intakes (retrying like an SDK behind a load
 * balancer), and one intake and one ingester are killed with SIGKILL mid-stream. The api and
 * alerter share the control plane: a rule created through the api is evaluated by the alerter.
 *
 * Storage: ONE ClickHouse for every process, as in production: the region is `clickhouse.mode:
 * http` (set through MERIDIAN_CONFIG_FILE), served by the ClickHouse HTTP test harness (the chdb
 * engine in its own process behind ClickHouse's HTTP interface). Each process has its own
 * credential, so the harness can tell whose INSERT is whose. The killed ingester's INSERT
 * answers are held by the harness after they are stored, and it is killed while one is held:
 * that batch is stored but its offsets are not committed. The survivor re-forms the same batch
 * (same offsets → same dedup token) and inserts it again; the store keeps it once. Shown by the
 * harness's insert log (the same token from both ingesters), the engine's
 * DuplicatedInsertedBlocks, and every span of every request answered 2xx stored exactly once.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseClients } from '@meridian/storage-clickhouse';
import {
  type ClickHouseHttpHarnessProcess,
  freshPostgresDatabase,
  type KafkaBroker,
  type MeridianProcess,
  startClickHouseHttpHarness,
  startKafkaBroker,
  startMeridian,
} from '@meridian/testing';
import { kafkaTestEnv } from './support/kafka-env';
import { type OtlpLoad, startOtlpLoad } from './support/otlp-load';

const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REGION = 'ap-northeast-1';
const SPANS_TOPIC = `meridian.${REGION}.spans`;
const GROUP = `meridian.${REGION}.ingester`;
const SPANS_PER_REQUEST = 20;
const DATABASE = 'meridian_ap_northeast_1';
/** The killed ingester's INSERTs are stored at once and answered this much later. */
const HOLD_MS = 1_500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('distributed mode: intake ×2, ingester ×2, api, alerter over Kafka, PostgreSQL and one ClickHouse over HTTP', () => {
  let broker: KafkaBroker;
  let clickhouse: ClickHouseHttpHarnessProcess | undefined;
  const configDir = mkdtempSync(join(tmpdir(), 'meridian-distributed-config-'));
  let drop: (() => Promise<void>) | undefined;
  const procs: MeridianProcess[] = [];
  let intakeA: MeridianProcess;
  let api: MeridianProcess;
  let load: OtlpLoad | undefined;

  afterAll(async () => {
    await load?.stop().catch(() => undefined); // stopped already unless the test failed midway
    await Promise.all(procs.map((p) => p.stop()));
    await broker?.stop();
    await clickhouse?.stop();
    await drop?.();
    rmSync(configDir, { recursive: true, force: true });
  }, 60_000);

  it('kill -9 of one intake and of one ingester between "stored" and "acknowledged": every accepted span stored exactly once in the one store', async () => {
    broker = await startKafkaBroker({
      brokers: 3,
      topics: { [SPANS_TOPIC]: 8, [`meridian.${REGION}.metric-points`]: 2, [`meridian.${REGION}.logs`]: 2, [`meridian.${REGION}.dead-letter`]: 1 },
    });
    const db = await freshPostgresDatabase(POSTGRES, 'meridian_distributed');
    drop = db.drop;
    const env = {
      ...kafkaTestEnv(broker.bootstrap, db.url),
      MERIDIAN_SECRETS_KEY: randomBytes(32).toString('base64'), // api and alerter must share it
      MERIDIAN_KAFKA_PRODUCER_RETRIES: '1',
      // Over every partition: the one tenant's 2 partitions (the default) could both be ingester A's,
      // and this test needs ingester B storing.
      MERIDIAN_KAFKA_TENANT_PARTITIONS: '0',
      MERIDIAN_INGEST_BATCH_ROWS: '500',
      MERIDIAN_ALERT_INTERVAL_MS: '500',
    };
    const users = { intake_a: '', intake_b: '', ingester_a: '', ingester_b: '', api: '', alerter: '' };
    for (const u of Object.keys(users) as Array<keyof typeof users>) users[u] = randomBytes(12).toString('hex');
    clickhouse = await startClickHouseHttpHarness({ users, holdInsertAnswersMs: { ingester_b: HOLD_MS } });
    const ch = clickhouse;
    const start = async (roles: string, user: keyof typeof users) => {
      // One region, its ClickHouse over HTTP with this process's own credential.
      const configFile = join(configDir, `${user}.json`);
      const region = {
        id: REGION,
        name: 'Tokyo',
        location: 'Japan (Tokyo)',
        clickhouse: { mode: 'http', url: ch.url, username: user, password: users[user], database: DATABASE },
        bus: {},
      };
      writeFileSync(configFile, JSON.stringify({ regions: [region], defaultRegion: REGION }));
      const p = await startMeridian({ roles, env: { ...env, MERIDIAN_CONFIG_FILE: configFile }, timeoutMs: 120_000 });
      procs.push(p);
      return p;
    };
    intakeA = await start('intake', 'intake_a'); // runs the control-plane migrations and creates the demo tenant
    let intakeB: MeridianProcess, ingesterA: MeridianProcess, ingesterB: MeridianProcess, alerter: MeridianProcess;
    [intakeB, ingesterA, ingesterB, api, alerter] = await Promise.all([
      start('intake', 'intake_b'),
      start('ingester', 'ingester_a'),
      start('ingester', 'ingester_b'),
      start('api', 'api'),
      start('alerter', 'alerter'),
    ]);
    for (const p of [intakeA, intakeB, ingesterA, ingesterB, api, alerter]) {
      expect((await fetch(`http://127.0.0.1:${p.ports.api}/readyz`)).status).toBe(200);
    }

    const sent = startOtlpLoad({ ports: () => [intakeA.ports.http, intakeB.ports.http], key: intakeA.ingestKey, spansPerRequest: SPANS_PER_REQUEST });
    load = sent;
    await sent.acceptedBy(2_000);
    expect(await intakeB.kill()).toBeNull(); // SIGKILL
    await sent.acceptedBy(4_000);
    // Kill the second ingester once it has stored a spans batch whose answer the harness still
    // holds: stored in ClickHouse, never acknowledged to the ingester, so never committed.
    const heldSpans = async () => (await ch.inserts()).filter((i) => i.user === 'ingester_b' && !i.answered && i.table === `${DATABASE}.spans`);
    const busyBy = Date.now() + 30_000;
    let held = await heldSpans();
    while (held.length === 0 && Date.now() < busyBy) {
      await sleep(20);
      held = await heldSpans();
    }
    expect(held.length).toBeGreaterThan(0);
    expect(await ingesterB.kill()).toBeNull();
    // Only what was still unanswered once B was dead: an answer that got out in between may have
    // been committed, and then nobody re-forms that batch.
    const unanswered = new Set((await heldSpans()).map((i) => i.token));
    const heldTokens = new Set(held.map((i) => i.token).filter((t) => unanswered.has(t)));
    await sent.acceptedBy(8_000);
    await sent.stop();

    // Done when the survivor has committed every partition up to its end.
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ends = new Map((await admin.fetchTopicOffsets(SPANS_TOPIC)).map((p) => [p.partition, p.high]));
      const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [SPANS_TOPIC] }))[0].partitions;
      // A partition no message went to (few large messages over 8 partitions) has no committed offset (-1).
      if (committed.every((p) => p.offset === ends.get(p.partition) || (p.offset === '-1' && ends.get(p.partition) === '0'))) break;
      if (Date.now() > deadline) throw new Error(`ingester did not catch up: ends ${JSON.stringify([...ends])}, committed ${JSON.stringify(committed)}`);
      await sleep(250);
    }
    await admin.disconnect();
    // The api and the alerter kept running beside it all, sharing the control plane: a rule
    // created through the api process is evaluated by the alerter process.
    for (const p of [api, alerter, intakeA]) expect((await fetch(`http://127.0.0.1:${p.ports.api}/readyz`)).status).toBe(200);
    const rule = await fetch(`http://127.0.0.1:${api.ports.api}/api/v1/tenants/demo/alerting/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${intakeA.apiKey}` },
      body: JSON.stringify({ key: 'distributed', name: 'Slow', metric: 'latency_p95', warning: 1000, windowSeconds: 60 }),
    });
    expect(rule.status).toBeLessThan(300);
    const evaluated = Date.now() + 20_000;
    while (!/meridian_alert_evaluations_total\{outcome="ok"\} [1-9]/.test(await (await fetch(`http://127.0.0.1:${alerter.ports.api}/metrics`)).text())) {
      if (Date.now() > evaluated) throw new Error('the alerter process never evaluated the rule');
      await sleep(200);
    }
    expect(await ingesterA.stop()).toBe(0);

    // The one store, read the way the api reads it: over HTTP.
    const reader = new ClickHouseClients({
      regions: [{ id: REGION, database: DATABASE, clickhouse: { mode: 'http', url: ch.url, username: 'api', password: users.api } }],
    });
    const store = reader.forRegion(REGION);
    const read = async <T>(query: string) => (await (await store.client.query({ query, format: 'JSONEachRow' })).json<T>())[0];
    const rows = await (
      await store.client.query({ query: `SELECT trace_id AS t, count() AS n FROM ${store.table('spans')} GROUP BY trace_id`, format: 'JSONEachRow' })
    ).json<{ t: string; n: string }>();
    const copies = new Map(rows.map((r) => [r.t, Number(r.n)]));
    const duplicated = await read<{ n: string }>("SELECT value AS n FROM system.events WHERE event = 'DuplicatedInsertedBlocks'");
    await reader.close();

    expect([...copies.values()].filter((n) => n !== 1)).toEqual([]); // no span twice
    expect([...sent.accepted].filter((id) => !copies.has(id))).toEqual([]); // every accepted span
    expect([...copies.keys()].filter((id) => !sent.accepted.has(id) && !sent.maybe.has(id))).toEqual([]); // nothing never sent
    // The dedup token across ingesters: each batch stored by the killed ingester but never
    // acknowledged was re-formed by the survivor and sent again with the same token...
    const inserts = await ch.inserts();
    const bothWrote = [...heldTokens].filter((t) => inserts.some((i) => i.user === 'ingester_a' && i.token === t));
    expect(bothWrote).toEqual([...heldTokens]);
    expect(ingesterA.output()).toMatch(/re-forming batch \d+\.\.\d+, planned but not committed/);
    // ...and the engine dropped the second copy (spans and the views' targets).
    expect(Number(duplicated?.n ?? 0)).toBeGreaterThan(0);
    expect(ingesterA.output()).not.toMatch(/dead letters/);
  }, 240_000); // three real Kafka brokers take ~60 s to start on the shared 2-core machine

  it('readiness follows the bus: intake answers /readyz 503 while Kafka is down, 200 once it is back', async () => {
    const ready = async (p: MeridianProcess) => {
      const res = await fetch(`http://127.0.0.1:${p.ports.api}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    const until = async (p: MeridianProcess, status: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const r = await ready(p);
        if (r.status === status) return r;
        if (Date.now() > deadline) throw new Error(`/readyz still ${r.status}: ${r.body}`);
        await sleep(200);
      }
    };
    expect((await ready(intakeA)).status).toBe(200);
    await broker.kill();
    expect((await until(intakeA, 503)).body).toMatch(/bus unreachable for region\(s\) ap-northeast-1/);
    expect((await ready(api)).status).toBe(200); // the api uses no bus
    expect((await fetch(`http://127.0.0.1:${intakeA.ports.api}/healthz`)).status).toBe(200); // alive, just not ready
    await broker.restart();
    await until(intakeA, 200);
  }, 240_000); // a 3-node restart takes minutes on a loaded machine
});
