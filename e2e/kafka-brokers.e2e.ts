/**
 * What only real Kafka brokers allow: Apache Kafka, 3 nodes (KRaft), topics with replication
 * factor 3 and min.insync.replicas 2, auto-creation off; one intake process and two ingester
 * processes (`--roles=ingester,api`, each with its own embedded ClickHouse, read back through its
 * own api) with the producer's defaults (idempotent, acks = all). Control plane: a fresh
 * database on the local PostgreSQL server. The scenarios run one after another on one cluster.
 */
import { SpanKind } from '@opentelemetry/api';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_KAFKA_BUS_SETTINGS, KafkaBus, regionTopics } from '@meridian/bus-kafka';
import { startOtlpLoad, storedSpanCopies } from './support/otlp-load';
import { ApiClient, freshPostgresDatabase, type KafkaBroker, type MeridianProcess, sdkTelemetry, startKafkaBroker, startMeridian } from '@meridian/testing';
import { kafkaTestEnv } from './support/kafka-env';

const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REGION = 'ap-northeast-1';
const OTHER_REGION = 'ap-northeast-2';
const SPANS_TOPIC = `meridian.${REGION}.spans`;
const GROUP = `meridian.${REGION}.ingester`;
const topicsOf = (region: string) => ({
  [`meridian.${region}.spans`]: 6,
  [`meridian.${region}.metric-points`]: 2,
  [`meridian.${region}.logs`]: 2,
  [`meridian.${region}.dead-letter`]: 1,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * How often each bus message id stands in the topic (read to its end), and how many records it
 * has; with `find`, where those texts (trace ids) stand in message bodies (`partition/offset id`).
 */
async function idsOnTopic(
  brokers: string[],
  topic: string,
  find: readonly string[] = [],
): Promise<{ copies: Map<string, number>; total: number; found: Map<string, string[]> }> {
  const kafka = new Kafka({ clientId: 'e2e-observer', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = ends.reduce((x, p) => x + Number(p.high), 0);
  const copies = new Map<string, number>();
  const found = new Map<string, string[]>();
  const reader = kafka.consumer({ groupId: `e2e-reader-${Date.now()}`, sessionTimeout: 3_000, heartbeatInterval: 300 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  let read = 0;
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      read++;
      const id = message.headers?.['meridian-id']?.toString() ?? '?';
      copies.set(id, (copies.get(id) ?? 0) + 1);
      for (const text of find) if (message.value?.includes(text)) found.set(text, [...(found.get(text) ?? []), `${partition}/${message.offset} ${id}`]);
    },
  });
  try {
    await until(`${topic} read to its end`, async () => read >= total || undefined, 30_000);
    await sleep(1_000); // anything past the end offsets read above would show up now
  } finally {
    await reader.disconnect();
  }
  return { copies, total, found };
}

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

describe('Meridian on Apache Kafka: broker faults', () => {
  let broker: KafkaBroker;
  let drop: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  let intake: MeridianProcess;
  const ingesters: MeridianProcess[] = [];

  beforeAll(async () => {
    // Auto-creation off and only the first region's topics: the second region's are "missing".
    broker = await startKafkaBroker({ brokers: 3, autoCreateTopics: false, topics: topicsOf(REGION) });
    const db = await freshPostgresDatabase(POSTGRES, 'meridian_kafka_brokers');
    drop = db.drop;
    env = { ...kafkaTestEnv(broker.bootstrap, db.url), MERIDIAN_INGEST_BATCH_ROWS: '500' };
    intake = await startMeridian({ roles: 'intake', env, timeoutMs: 120_000 }); // migrations and the demo tenant first
    ingesters.push(
      ...(await Promise.all([
        startMeridian({ roles: 'ingester,api', env, timeoutMs: 120_000 }),
        startMeridian({ roles: 'ingester,api', env, timeoutMs: 120_000 }),
      ])),
    );
  }, 420_000);

  afterAll(async () => {
    await Promise.all([intake, ...ingesters].map((p) => p?.stop()));
    await broker?.stop();
    await drop?.();
  }, 60_000);

  const ready = async (p: MeridianProcess) => {
    const res = await fetch(`http://127.0.0.1:${p.ports.api}/readyz`);
    return { status: res.status, body: await res.text() };
  };
  /** Spans stored over both ingesters' stores (each reads its own embedded ClickHouse). */
  const stored = async () => {
    let n = 0;
    for (const p of ingesters)
      if (p.child.exitCode === null) n += (await new ApiClient(p.ports.api, intake.apiKey).get<{ spans: number }>('/usage')).body.spans;
    return n;
  };
  /** Resolves once the group has committed every spans partition to its end. */
  async function caughtUp(timeoutMs = 60_000): Promise<void> {
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      let last = '';
      await until(
        'the ingesters committed every partition to its end',
        async () => {
          const ends = new Map((await admin.fetchTopicOffsets(SPANS_TOPIC)).map((p) => [p.partition, p.high]));
          const committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [SPANS_TOPIC] }))[0].partitions;
          last = `ends ${JSON.stringify([...ends])}, committed ${JSON.stringify(committed.map((p) => [p.partition, p.offset]))}`;
          // A partition no message went to has no committed offset (-1).
          return committed.every((p) => p.offset === ends.get(p.partition) || (p.offset === '-1' && ends.get(p.partition) === '0')) || undefined;
        },
        timeoutMs,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${last}\n${ingesters.map((p, i) => `--- ingester ${i}\n${p.output().slice(-3000)}`).join('\n')}`);
      });
    } finally {
      await admin.disconnect();
    }
  }
  /** One-span traces through the OTel SDK (http/protobuf), exported in chunks while `running()`. */
  const traceIds = new Set<string>();
  async function sdkLoad(service: string, running: () => boolean, perChunk = 100): Promise<number> {
    const sdk = sdkTelemetry({
      protocol: 'http/protobuf',
      httpPort: intake.ports.http,
      grpcPort: intake.ports.grpc,
      key: intake.ingestKey,
      serviceName: service,
    });
    let n = 0;
    while (running()) {
      for (let i = 0; i < perChunk; i++) {
        const span = sdk.tracer.startSpan(`GET /${service}`, { kind: SpanKind.SERVER, attributes: { 'http.route': `/${service}` } });
        span.end();
        traceIds.add(span.spanContext().traceId);
        n++;
      }
      await sdk.flush(); // the exporter retries 503s after Retry-After
      await sleep(50);
    }
    await sdk.shutdown();
    return n;
  }

  /** Samples intake's publish failures every 100 ms: the window in which it answered 503. */
  function failureWindow() {
    const seen: number[] = [];
    let last = -1;
    let on = true;
    const loop = (async () => {
      while (on) {
        const n = await metric(intake.ports.api, /^meridian_bus_publish_failures_total\{[^}]*\} (\d+)/).catch(() => last);
        if (last >= 0 && n > last) seen.push(Date.now());
        last = n;
        await sleep(100);
      }
    })();
    return {
      async stop() {
        on = false;
        await loop;
        return { first: seen[0], last: seen[seen.length - 1], windowMs: seen.length ? seen[seen.length - 1] - seen[0] + 100 : 0, failures: last };
      },
    };
  }

  it('a missing topic with auto-creation off: /readyz answers 503 naming it; ready once it exists', async () => {
    const r = await until('intake not ready', async () => {
      const x = await ready(intake);
      return x.status === 503 ? x : undefined;
    });
    expect(r.body).toMatch(/bus topic\(s\) missing and the brokers do not auto-create topics: meridian\.ap-northeast-2\.spans \(region ap-northeast-2\)/);
    expect(r.body).not.toMatch(/meridian\.ap-northeast-1\./);
    expect((await ready(ingesters[0])).status).toBe(503);
    for (const [t, n] of Object.entries(topicsOf(OTHER_REGION))) await broker.createTopic(t, n);
    for (const p of [intake, ...ingesters]) await until(`${p.child.pid} ready`, async () => (await ready(p)).status === 200 || undefined, 20_000);
  }, 60_000);

  // kafkajs 2.2.4 resolves a send whose partition moved to a broker that had already answered
  // without sending those messages (src/producer/sendMessages.js); the bus sends what no broker
  // acknowledged again (kafka-bus.ts, unacknowledged()). This test lost 5-12 acknowledged
  // messages per run before that.
  it('idempotent producer: a broker paused mid-publish (requests time out and are retried): every acknowledged message written exactly once', async () => {
    expect(broker.kind).toBe('apache');
    // The bus itself (as intake runs it, default producer settings: idempotent, acks = all), on
    // topics of its own, with time enough for every send to succeed through its retries.
    const prefix = 'idem.';
    const topics = regionTopics(prefix);
    for (const t of Object.values(topics)) await broker.createTopic(t, 6);
    const settings = {
      ...DEFAULT_KAFKA_BUS_SETTINGS,
      producer: { ...DEFAULT_KAFKA_BUS_SETTINGS.producer, requestTimeoutMs: 2_000, retries: 10, publishTimeoutMs: 60_000 },
    };
    const logs: string[] = [];
    const bus = new KafkaBus({
      regions: [{ id: REGION, brokers: broker.brokers, topics, consumerGroup: `${prefix}ingester` }],
      settings,
      log: (l, line) => logs.push(`${l} ${line}`),
      kafkaLogLevel: 'error',
    });
    const acked = new Set<string>();
    const failed = new Set<string>(); // publishes answered "unavailable": stored at most once
    let n = 0;
    let running = true;
    // Several publishes at once, one message each, as intake makes them from concurrent requests:
    // a request to the paused broker times out after the leader wrote it, and kafkajs hands its
    // sequence numbers back for the retry while other publishes wait for the same partition
    // (kafka-bus.ts, send()). Before the bus sent one batch at a time, 1-2 acknowledged messages
    // went missing in each of 3 runs here, each time with as many written twice.
    const pump = Promise.all(
      Array.from({ length: 16 }, async () => {
        while (running) {
          const batch = [
            { id: `idem-${n++}`, tenantId: 't-idem', region: REGION, table: 'spans' as const, rowCount: 1, body: Buffer.from('{}\n'), key: `k${n}` },
          ];
          try {
            await bus.publish(batch);
            batch.forEach((m) => acked.add(m.id));
          } catch {
            batch.forEach((m) => failed.add(m.id));
          }
        }
      }),
    );
    try {
      await sleep(1_000);
      broker.pauseNode(1); // SIGSTOP: its connections stay open, requests to it just time out
      await sleep(6_000);
      broker.resumeNode(1);
      await sleep(1_000);
    } finally {
      running = false;
      await pump;
      await bus.close();
    }
    // Read the whole topic back once the paused broker is a full replica again: how often is each
    // message id in it?
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await until('every replica back in sync', async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topics.spans] });
      return meta.topics[0].partitions.every((p) => p.isr.length === 3) || undefined;
    });
    await admin.disconnect();
    await sleep(1_000);
    const { copies, total } = await idsOnTopic(broker.brokers, topics.spans);
    const read = [...copies.values()].reduce((x, c) => x + c, 0);
    const timeouts = logs.filter((l) => /timed out|Request Produce|NOT_LEADER|not the leader|disconnected|sequence/i.test(l)).length;
    if (process.env.MERIDIAN_TEST_VERBOSE) console.log(logs.join('\n'));
    const missing = [...acked].filter((id) => !copies.has(id));
    const doubled = [...copies].filter(([, c]) => c > 1).map(([id]) => id);
    console.log(
      `[kafka-brokers] broker paused 6 s mid-publish: ${acked.size} messages acknowledged, ${failed.size} in failed publishes, ${total} records (${read} read); ` +
        `missing ${missing.length}, doubled ${doubled.length}; ${timeouts} kafkajs timeout/leader/sequence lines`,
    );
    expect(timeouts).toBeGreaterThan(0); // requests did time out and were retried
    expect(doubled).toEqual([]); // no message twice: the producer's retries were deduplicated
    expect(missing).toEqual([]); // none lost: what kafkajs left unsent was sent again
    expect([...copies.keys()].filter((id) => !acked.has(id) && !failed.has(id))).toEqual([]);
    await until('paused broker back in the cluster', async () => {
      const a = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
      await a.connect();
      const c = await a.describeCluster().finally(() => a.disconnect());
      return c.brokers.length === 3 || undefined;
    });
  }, 120_000);

  it('kill -9 of one of three brokers under SDK load: a short 503 window, the group carries on, also when an ingester dies with the broker gone; nothing unknown stored', async () => {
    const window = failureWindow();
    let running = true;
    const load = sdkLoad('broker-kill', () => running);
    await sleep(2_000);
    const killedAt = Date.now();
    await broker.killNode(0);
    await sleep(6_000);
    // A rebalance while the broker is gone: the second ingester dies, the first takes its partitions.
    const before = await metric(ingesters[0].ports.api, /^meridian_ingester_rows_total\{[^}]*table="spans"[^}]*\} (\d+)/);
    expect(await ingesters[1].kill()).toBeNull(); // SIGKILL
    await sleep(4_000);
    running = false;
    const n = await load;
    const w = await window.stop();
    console.log(
      `[kafka-brokers] kill -9 of 1 of 3 brokers: ${n} spans sent; publish failures ${w.failures}, 503 window ${w.windowMs} ms${w.first ? ` starting ${w.first - killedAt} ms after the kill` : ''}`,
    );
    expect(w.windowMs).toBeLessThan(10_000);
    await caughtUp();
    expect(await metric(ingesters[0].ports.api, /^meridian_ingester_rows_total\{[^}]*table="spans"[^}]*\} (\d+)/)).toBeGreaterThan(before);
    const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers.slice(1), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [group] = (await admin.describeGroups([GROUP])).groups;
    await admin.disconnect();
    expect(group.state).toBe('Stable');
    expect(group.members).toHaveLength(1);
    const copiesDropped = await metric(ingesters[0].ports.api, /^meridian_bus_copies_dropped_total\{[^}]*\} (\d+)/);
    const resends = await metric(intake.ports.api, /^meridian_bus_publish_resends_total\{[^}]*\} (\d+)/);
    // Message ids written to the spans topic more than once (all scenarios so far): what the consumer has to drop.
    const onTopic = [...(await idsOnTopic(broker.brokers.slice(1), SPANS_TOPIC)).copies.values()].filter((c) => c > 1).length;
    // Each ingester has its own embedded store: read both (the first stopped for it). No store
    // holds a span twice, none holds a span nobody sent; a span in both stores comes only from a batch the
    // killed ingester stored but did not commit, which the other re-formed — on one shared
    // ClickHouse its dedup token drops that copy.
    expect(await ingesters[0].stop()).toBe(0);
    const [a, b] = await Promise.all([storedSpanCopies(ingesters[0].dataDir), storedSpanCopies(ingesters[1].dataDir)]);
    // No store holds a span twice: copies the producer wrote after the leader change (the bus's
    // resend of unacknowledged partitions, kafkajs' retries) carry the same message id and are
    // dropped by the consumer (meridian_bus_copies_dropped_total).
    const twice = [...a.values(), ...b.values()].filter((c) => c > 1).length;
    // Every span the intake acknowledged is stored (in one of the two stores).
    const missing = [...traceIds].filter((id) => !a.has(id) && !b.has(id));
    expect([...a.keys(), ...b.keys()].filter((id) => !traceIds.has(id))).toEqual([]);
    const inBoth = [...a.keys()].filter((id) => b.has(id)).length;
    const reformed = [...ingesters[0].output().matchAll(/re-forming batch (\d+)\.\.(\d+), planned but not committed/g)].reduce(
      (x, m) => x + Number(m[2]) - Number(m[1]) + 1,
      0,
    );
    // A re-formed batch stored short (another token: its rows twice) because the broker did not show all of it.
    const short = ingesters.reduce((x, p) => x + (p.output().match(/planned batch \d+\.\.\d+ is incomplete on the broker/g)?.length ?? 0), 0);
    console.log(
      `[kafka-brokers] after the rebalance: ${a.size} + ${b.size} spans in the two stores, ${inBoth} in both (re-formed batches: ${reformed} messages); ` +
        `${missing.length} of ${traceIds.size} acknowledged spans missing, ${twice} twice in one store; intake resent ${resends} messages, ${onTopic} message ids stand twice on the topic, the surviving ingester dropped ${copiesDropped} copies; ${short} re-formed batches stored short`,
    );
    expect(inBoth === 0 || reformed > 0).toBe(true);
    expect(missing).toEqual([]);
    expect(twice).toBe(0);
    [ingesters[0], ingesters[1]] = await Promise.all(
      ingesters.map((p) => startMeridian({ roles: 'ingester,api', env, dataDir: p.dataDir, timeoutMs: 120_000 })),
    );
    await broker.restartNode(0);
    await caughtUp();
  }, 180_000);

  it('all brokers stopped: intake answers 503 with Retry-After; what clients send meanwhile arrives once they are back', async () => {
    const before = await stored(); // copies re-formed across the two stores above count once each
    await broker.kill();
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '6b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'GET /raw',
                  kind: 2,
                  startTimeUnixNano: String(Date.now() * 1e6),
                  endTimeUnixNano: String(Date.now() * 1e6 + 5e6),
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await fetch(`http://127.0.0.1:${intake.ports.http}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${intake.ingestKey}` },
      body,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    // Clients that retry 503s after Retry-After for as long as it takes (the SDK's exporter gives
    // up after its 10 s timeout, shorter than a cluster restart), tracking what was accepted.
    const load = startOtlpLoad({ ports: () => [intake.ports.http], key: intake.ingestKey, spansPerRequest: 10 });
    await sleep(2_000);
    expect(load.accepted.size).toBe(0); // everything answered 503 while the brokers are down
    // Graceful shutdown does not wait on the dead cluster: SIGTERM → exit 0 within its budget.
    const t0 = Date.now();
    const code = await ingesters[1].stop();
    const stopSeconds = (Date.now() - t0) / 1000;
    console.log(
      `[kafka-brokers] SIGTERM to an ingester with every broker down: exit ${code} (signal ${ingesters[1].child.signalCode}) after ${stopSeconds.toFixed(1)} s`,
    );
    expect({ code, signal: ingesters[1].child.signalCode, output: code === 0 ? '' : ingesters[1].output().slice(-4_000) }).toEqual({
      code: 0,
      signal: null,
      output: '',
    });
    expect(stopSeconds).toBeLessThan(30);
    ingesters[1] = await startMeridian({ roles: 'ingester,api', env, dataDir: ingesters[1].dataDir, timeoutMs: 120_000 });
    await broker.restart(); // same ports, data kept on disk
    await load.acceptedBy(500, 60_000);
    await load.stop();
    const n = load.accepted.size;
    await caughtUp(90_000);
    await until(`${n} more spans stored`, async () => ((await stored()) >= before + n ? true : undefined), 60_000);
    expect(load.maybe.size).toBe(0);
    expect((await new ApiClient(ingesters[0].ports.api, intake.apiKey).get('/traces/6b8efff798038103d269b633813fc60c')).status).toBe(404);
    expect((await new ApiClient(ingesters[1].ports.api, intake.apiKey).get('/traces/6b8efff798038103d269b633813fc60c')).status).toBe(404);
    // Every accepted span is stored, none twice in one store: a request answered 503 after it had
    // reached Kafka after all comes again with the same bytes, so with the same message ids, and the
    // consumer drops the copy. Copies across the two embedded stores are printed, not asserted: a
    // batch re-formed after the restart's rebalance lands in both.
    await Promise.all(ingesters.map((p) => p.stop()));
    const [a, b] = await Promise.all([storedSpanCopies(ingesters[0].dataDir), storedSpanCopies(ingesters[1].dataDir)]);
    const lost = [...load.accepted].filter((id) => !a.has(id) && !b.has(id));
    if (lost.length > 0) {
      // Where did they go? On the topic (then: which offsets, and what the ingesters said) or not.
      const { found } = await idsOnTopic(broker.brokers, SPANS_TOPIC, lost);
      const admin = new Kafka({ clientId: 'e2e-observer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [SPANS_TOPIC] }).finally(() => admin.disconnect());
      const said = (p: MeridianProcess) =>
        p
          .output()
          .split('\n')
          .filter((l) => /kafka: |copies|read back|incomplete|dead letters|rebuil/.test(l))
          .slice(-40)
          .join('\n');
      const intakeSaid = intake
        .output()
        .split('\n')
        .filter((l) => /kafkajs|timed out|sequence|unacknowledged/i.test(l))
        .slice(-40)
        .join('\n');
      console.log(
        `[kafka-brokers] accepted spans not stored: ${lost.map((id) => `${id} on the topic at ${found.get(id)?.join(', ') ?? 'nowhere'}`).join('; ')}; committed ${JSON.stringify(committed[0].partitions.map((p) => [p.partition, p.offset]))}\n` +
          ingesters.map((p, i) => `--- ingester ${i}\n${said(p)}`).join('\n') +
          `\n--- intake\n${intakeSaid}`,
      );
    }
    expect(lost).toEqual([]);
    // Copies across the stores: a batch re-formed by the other ingester.
    const inOne = [...load.accepted].reduce((x, id) => x + Math.max(0, (a.get(id) ?? 0) - 1) + Math.max(0, (b.get(id) ?? 0) - 1), 0);
    const across = [...load.accepted].filter((id) => a.has(id) && b.has(id)).length;
    const failures = await metric(intake.ports.api, /^meridian_bus_publish_failures_total\{[^}]*\} (\d+)/);
    console.log(
      `[kafka-brokers] all brokers down and back: ${n} spans accepted, all stored; extra copies: ${inOne} in one store, ${across} in both stores (${failures} publishes answered 503; ${before} stored before)`,
    );
    expect(inOne).toBe(0);
  }, 180_000);
});
