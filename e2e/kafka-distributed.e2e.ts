/**
 * Distributed mode with real processes: the OpenTelemetry SDK sends to an intake process
 * (`--roles=intake`), which publishes to Apache Kafka (3 brokers, KRaft, replication factor 3,
 * min.insync.replicas 2, the idempotent producer on); an ingester process (`--roles=ingester,api`, so the test reads back through the
 * process that holds the ClickHouse the ingester wrote) consumes into its embedded ClickHouse.
 * The control plane is the local PostgreSQL server (PGlite allows one process per data dir), in a
 * database made for this run and dropped after it.
 */
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { ApiClient, type KafkaBroker, type MeridianProcess, runMeridianCli, sdkTelemetry, startKafkaBroker, startMeridian } from '@meridian/testing';
import { kafkaTestEnv } from './support/kafka-env';

const PG_ADMIN_URL = process.env.MERIDIAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('distributed mode: intake and ingester processes over Kafka', () => {
  let broker: KafkaBroker;
  let dbName: string;
  let env: Record<string, string>;
  let intake: MeridianProcess;
  let ingester: MeridianProcess;
  let api: ApiClient;
  let expected = 0;

  beforeAll(async () => {
    const topics: Record<string, number> = {};
    for (const region of ['ap-northeast-1', 'ap-northeast-2']) {
      Object.assign(topics, {
        [`meridian.${region}.spans`]: 4,
        [`meridian.${region}.metric-points`]: 2,
        [`meridian.${region}.logs`]: 2,
        [`meridian.${region}.dead-letter`]: 1,
      });
    }
    broker = await startKafkaBroker({ brokers: 3, topics });
    dbName = `meridian_kafka_e2e_${randomBytes(5).toString('hex')}`;
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    env = {
      ...kafkaTestEnv(broker.bootstrap, PG_ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)),
      MERIDIAN_KAFKA_PRODUCER_RETRIES: '1',
      MERIDIAN_INGEST_BATCH_ROWS: '1000', // several batches per partition
    };
    intake = await startMeridian({ roles: 'intake', env }); // runs the migrations and creates the demo tenant first
    ingester = await startMeridian({ roles: 'ingester,api', env });
    api = new ApiClient(ingester.ports.api, intake.apiKey);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([intake?.stop(), ingester?.stop()]);
    await broker?.stop();
    if (dbName) {
      const admin = new Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }, 60_000);

  const storedSpans = async () => (await api.get<{ spans: number }>('/usage')).body.spans;

  /** Creates `n` one-span traces through the SDK and exports them (at most 1 000 per export). */
  async function sendSpans(sdk: ReturnType<typeof sdkTelemetry>, n: number, route: string): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < n;) {
      const chunk = Math.min(1_000, n - done);
      for (let i = 0; i < chunk; i++) {
        const s = sdk.tracer.startSpan(`GET ${route}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.route': route, 'http.request.method': 'GET', 'http.response.status_code': 200 },
        });
        s.end();
        ids.push(s.spanContext().traceId);
      }
      await sdk.flush();
      done += chunk;
    }
    return ids;
  }

  it('OTel SDK → intake process → Kafka → ingester process → ClickHouse: every span arrives; /metrics shows the bus', async () => {
    const sdk = sdkTelemetry({
      protocol: 'http/protobuf',
      httpPort: intake.ports.http,
      grpcPort: intake.ports.grpc,
      key: intake.ingestKey,
      serviceName: 'kafka-svc',
    });
    const ids = await sendSpans(sdk, 300, '/k/basic');
    await sdk.shutdown();
    expected += 300;
    await api.eventually(async () => ((await storedSpans()) === expected ? true : undefined), 60_000, `${expected} spans stored`);
    // Counted in `spans` is not yet readable as a trace: an insert commits the table's part and its
    // views' parts one after another, and a read may run in between (reads and inserts have
    // their own connections).
    const trace = await api.eventually(
      async () => {
        const r = await api.get<{ spans: Array<{ service: string }> }>(`/traces/${ids[123]}`);
        return r.status === 200 ? r : undefined;
      },
      10_000,
      `trace ${ids[123]} readable`,
    );
    expect(trace.status).toBe(200);
    expect(trace.body.spans).toHaveLength(1);
    expect(trace.body.spans[0].service).toBe('kafka-svc');

    const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(await scrape(intake.ports.api)).toMatch(
      /meridian_bus_published_messages_total\{region="ap-northeast-1",topic="meridian\.ap-northeast-1\.spans"\} [1-9]/,
    );
    // The lag gauge follows the commit that comes after an insert, so it can trail the stored count.
    const caughtUp = /meridian_bus_consumer_lag\{region="ap-northeast-1",topic="meridian\.ap-northeast-1\.spans",partition="\d"\} 0/;
    let ingesterMetrics = '';
    await api.eventually(async () => (caughtUp.test((ingesterMetrics = await scrape(ingester.ports.api))) ? true : undefined), 15_000, 'consumer lag 0');
    expect(ingesterMetrics).toMatch(caughtUp);
    expect(ingesterMetrics).toMatch(/meridian_ingester_insert_seconds_count\{region="ap-northeast-1",table="spans"\} [1-9]/);
    expect(ingesterMetrics).toMatch(/meridian_ingester_batch_rows_bucket/);
  }, 120_000);

  it('kill -9 of the ingester while it is storing, then a restart: every span exactly once', async () => {
    const sdk = sdkTelemetry({
      protocol: 'http/protobuf',
      httpPort: intake.ports.http,
      grpcPort: intake.ports.grpc,
      key: intake.ingestKey,
      serviceName: 'kafka-kill',
    });
    const dataDir = ingester.dataDir;
    // A backlog first (the ingester is stopped; intake keeps accepting into Kafka), so that the
    // restarted ingester is busy storing batch after batch when it is killed.
    expect(await ingester.stop()).toBe(0);
    const total = 24_000;
    await sendSpans(sdk, total, '/k/kill');
    await sdk.shutdown();
    expected += total;
    // Kill the moment a batch is planned (its offset range committed as metadata) and not yet
    // committed: the broker then holds exactly the state a crash mid-insert leaves behind.
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const pendingPlans = async () =>
      (await admin.fetchOffsets({ groupId: 'meridian.ap-northeast-1.ingester', topics: ['meridian.ap-northeast-1.spans'] }))[0].partitions.filter(
        (p) => p.metadata,
      );
    let partial = '';
    let plans: unknown[] = [];
    for (let attempt = 0; attempt < 3 && plans.length === 0; attempt++) {
      const busy = await startMeridian({ roles: 'ingester,api', env, dataDir });
      const deadline = Date.now() + 60_000;
      while ((await pendingPlans()).length === 0 && Date.now() < deadline) await sleep(5);
      expect(await busy.kill()).toBeNull(); // SIGKILL
      partial += busy.output();
      plans = await pendingPlans();
    }
    await admin.disconnect();
    expect(plans.length).toBeGreaterThan(0);

    ingester = await startMeridian({ roles: 'ingester,api', env, dataDir });
    api = new ApiClient(ingester.ports.api, intake.apiKey);
    await api.eventually(async () => ((await storedSpans()) >= expected ? true : undefined), 90_000, `${expected} spans stored after the restart`);
    await sleep(1_000); // a redelivered duplicate would land now
    expect(await storedSpans()).toBe(expected);
    expect(partial + ingester.output()).not.toMatch(/dead letters/);
    // Killed between "batch planned" and "offset committed": the batch is redone exactly as planned.
    expect(ingester.output()).toMatch(/re-forming batch \d+\.\.\d+, planned but not committed/);
  }, 180_000);

  it('a record the ingester cannot decode is parked with its reason; the CLI lists and replays it', async () => {
    const producer = new Kafka({ clientId: 'foreign', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'meridian.ap-northeast-1.spans', messages: [{ value: 'written by something else' }] });
    await producer.disconnect();
    const cli = (...args: string[]) => runMeridianCli(['dead-letters', ...args, '--region', 'ap-northeast-1'], env);
    const listedOnce = (summary: RegExp, what: string) =>
      api.eventually(
        async () => {
          const r = await cli('list');
          return summary.test(r.output) ? r : undefined;
        },
        60_000,
        what,
      );
    const listed = await listedOnce(/1 dead letters, 1 not replayed/, 'the dead letter listed');
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(/undecodable bus message .*header meridian-id missing/);
    const replay = await cli('replay');
    expect(replay.output).toMatch(/replayed 1 of 1 dead letters \(published to the ingest topics\)/);
    expect(replay.code).toBe(0);
    // Still undecodable after the replay: parked again, and the first entry shows its replay.
    const after = await listedOnce(/2 dead letters, 1 not replayed/, 'the replayed record parked again');
    expect(after.output.match(/header meridian-id missing/g)).toHaveLength(1); // the replayed copy carries its id now (still no tenant)
    expect(await storedSpans()).toBe(expected);
  }, 120_000);

  // All brokers down → 503 + Retry-After → recovery: e2e/kafka-brokers.e2e.ts (clients that retry
  // past the SDK's 10 s export budget: a 3-node Apache Kafka takes longer than that to restart).
});
