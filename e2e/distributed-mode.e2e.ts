/**
 * Distributed mode as separate processes, the way the Helm chart deploys a region cell: a control
 * plane on PostgreSQL (a fresh database), intake ×2, ingester ×2, api and alerter, all from the
 * same binary with different `--roles`, over a real Kafka-protocol broker (librdkafka's mock).
 * Raw OTLP/JSON requests are spread over both intakes (retrying like an SDK behind a load
 * balancer), and one intake and one ingester are killed with SIGKILL mid-stream. The api and
 * alerter share the control plane: a rule created through the api is evaluated by the alerter.
 *
 * Storage: chdb (embedded ClickHouse) opens one data path per process, so the two ingesters cannot
 * share a store as they would share a ClickHouse server in production. Each writes its own data
 * dir; after the run both stores are read (in child processes) and merged. What this proves:
 * every span of every request answered 2xx is stored, no store holds a span twice, and nothing
 * appears that was never sent. A batch the killed ingester inserted but had not committed is
 * re-formed by the survivor (same offsets, same dedup token): on one shared ClickHouse server
 * the token makes that insert a no-op (kafka-distributed.e2e.ts pins that down on one store);
 * here it lands in the other store, so such cross-store copies are allowed only within the
 * batches the survivor reports as re-formed.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { freshPostgresDatabase, type KafkaBroker, type MeridianProcess, startKafkaBroker, startMeridian } from '@meridian/testing';
import { type OtlpLoad, startOtlpLoad, storedSpanCopies } from './support/otlp-load';

const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REGION = 'ap-northeast-1';
const SPANS_TOPIC = `meridian.${REGION}.spans`;
const GROUP = `meridian.${REGION}.ingester`;
const SPANS_PER_REQUEST = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('distributed mode: intake ×2, ingester ×2, api, alerter over Kafka and PostgreSQL', () => {
  let broker: KafkaBroker;
  let drop: (() => Promise<void>) | undefined;
  const procs: MeridianProcess[] = [];
  let intakeA: MeridianProcess;
  let api: MeridianProcess;
  let load: OtlpLoad | undefined;

  afterAll(async () => {
    await load?.stop().catch(() => undefined); // stopped already unless the test failed midway
    await Promise.all(procs.map((p) => p.stop()));
    await broker?.stop();
    await drop?.();
  }, 60_000);

  it('kill -9 of one intake and one ingester mid-stream: every accepted span stored, none doubled', async () => {
    broker = await startKafkaBroker({ brokers: 3, topics: { [SPANS_TOPIC]: 8, [`meridian.${REGION}.metric-points`]: 2, [`meridian.${REGION}.logs`]: 2, [`meridian.${REGION}.dead-letter`]: 1 } });
    const db = await freshPostgresDatabase(POSTGRES, 'meridian_distributed');
    drop = db.drop;
    const env = {
      MERIDIAN_BUS: 'kafka',
      MERIDIAN_KAFKA_BROKERS: broker.bootstrap,
      DATABASE_URL: db.url,
      MERIDIAN_SECRETS_KEY: randomBytes(32).toString('base64'), // api and alerter must share it
      MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: '3000',
      MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS: '300',
      MERIDIAN_KAFKA_REBALANCE_TIMEOUT_MS: '3000',
      MERIDIAN_KAFKA_PRODUCER_RETRIES: '1',
      MERIDIAN_KAFKA_RETRY_AFTER_SECONDS: '1',
      MERIDIAN_INGEST_FLUSH_MS: '200',
      MERIDIAN_INGEST_BATCH_ROWS: '500',
      MERIDIAN_ALERT_INTERVAL_MS: '500',
    };
    const start = async (roles: string) => {
      const p = await startMeridian({ roles, env, timeoutMs: 120_000 });
      procs.push(p);
      return p;
    };
    intakeA = await start('intake'); // runs the control-plane migrations and creates the demo tenant
    let intakeB: MeridianProcess, ingesterA: MeridianProcess, ingesterB: MeridianProcess, alerter: MeridianProcess;
    [intakeB, ingesterA, ingesterB, api, alerter] = await Promise.all([start('intake'), start('ingester'), start('ingester'), start('api'), start('alerter')]);
    for (const p of [intakeA, intakeB, ingesterA, ingesterB, api, alerter]) {
      expect((await fetch(`http://127.0.0.1:${p.ports.api}/readyz`)).status).toBe(200);
    }

    const sent = startOtlpLoad({ ports: () => [intakeA.ports.http, intakeB.ports.http], key: intakeA.ingestKey, spansPerRequest: SPANS_PER_REQUEST });
    load = sent;
    await sent.acceptedBy(2_000);
    expect(await intakeB.kill()).toBeNull(); // SIGKILL
    await sent.acceptedBy(4_000);
    // Kill the second ingester only once it owns partitions and has stored batches of them.
    const insertsOf = async (p: MeridianProcess) => Number(/meridian_ingester_insert_seconds_count\{region="ap-northeast-1",table="spans"\} (\d+)/.exec(await (await fetch(`http://127.0.0.1:${p.ports.api}/metrics`)).text())?.[1] ?? 0);
    const busyBy = Date.now() + 30_000;
    while ((await insertsOf(ingesterB)) < 2 && Date.now() < busyBy) await sleep(50);
    expect(await ingesterB.kill()).toBeNull();
    await sent.acceptedBy(8_000);
    await sent.stop();

    // Done when the survivor has committed every partition up to its end.
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ends = new Map((await admin.fetchTopicOffsets(SPANS_TOPIC)).map((p) => [p.partition, p.high]));
      const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [SPANS_TOPIC] }))[0].partitions;
      if (committed.every((p) => p.offset === ends.get(p.partition))) break;
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

    const [a, b] = await Promise.all([storedSpanCopies(ingesterA.dataDir), storedSpanCopies(ingesterB.dataDir)]);
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0); // both ingesters had partitions before the kill
    expect([...a.values(), ...b.values()].filter((n) => n !== 1)).toEqual([]); // no store holds a span twice
    const missing = [...sent.accepted].filter((id) => !a.has(id) && !b.has(id));
    expect(missing).toEqual([]);
    const unknown = [...a.keys(), ...b.keys()].filter((id) => !sent.accepted.has(id) && !sent.maybe.has(id));
    expect(unknown).toEqual([]);
    // Copies in both stores: only from batches the killed ingester inserted and never committed.
    const inBoth = [...a.keys()].filter((id) => b.has(id)).length;
    const reformed = [...ingesterA.output().matchAll(/re-forming batch (\d+)\.\.(\d+), planned but not committed/g)].reduce((n, m) => n + Number(m[2]) - Number(m[1]) + 1, 0);
    expect(inBoth).toBeLessThanOrEqual(reformed * SPANS_PER_REQUEST);
    expect(ingesterA.output()).not.toMatch(/dead letters/);
  }, 180_000);

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
  }, 60_000);
});
