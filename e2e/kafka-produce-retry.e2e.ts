/**
 * A produce request the broker wrote but whose answer the producer never got (it timed out), while
 * another publish waits to send to the same partition. kafkajs 2.2.4 hands a failed request's
 * sequence numbers back (src/producer/sendMessages.js: updateSequence(-n) when produce throws) and
 * sends the same messages again later; a send that takes the broker first gets those numbers, the
 * broker takes it for a retry of the batch it already has (same producer id, same sequence range)
 * and answers success without writing it: acknowledged, never stored. The bus sends one batch at
 * a time per producer (kafka-bus.ts), so a failed request's retry always comes before anything else.
 * Apache Kafka, 1 broker; a socket factory loses the broker's answer to one Produce request.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { type ISocketFactory, Kafka, logLevel } from 'kafkajs';
import { DEFAULT_KAFKA_BUS_SETTINGS, KafkaBus, regionTopics } from '@meridian/bus-kafka';
import type { RowBatchMessage } from '@meridian/domain';
import { type KafkaBroker, startKafkaBroker } from '@meridian/testing';
import { sleep, until } from './support/until';

const REGION = 'kp';
const PRODUCE = 0; // Kafka API key of Produce

/**
 * Plain TCP sockets for kafkajs that, once armed, let the next Produce request through and lose
 * the broker's answer to it (requests: int32 size, int16 api key, int16 version, int32
 * correlation id; answers: int32 size, int32 correlation id). kafkajs writes a request at once.
 */
function answerLosingSockets() {
  let armed = false;
  let lost = 0;
  let sent = 0;
  const factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    const losing = new Set<number>();
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (armed && Buffer.isBuffer(chunk) && chunk.length >= 12 && chunk.readInt16BE(4) === PRODUCE) {
        armed = false;
        losing.add(chunk.readInt32BE(8));
        sent++;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const on = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => typeof socket;
    let held = Buffer.alloc(0);
    socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== 'data') return on(event, listener);
      return on('data', (data: unknown) => {
        held = Buffer.concat([held, data as Buffer]);
        const through: Buffer[] = [];
        while (held.length >= 8 && held.length >= 4 + held.readInt32BE(0)) {
          const frame = held.subarray(0, 4 + held.readInt32BE(0));
          held = held.subarray(frame.length);
          if (losing.delete(frame.readInt32BE(4))) lost++;
          else through.push(frame);
        }
        if (through.length > 0) listener(Buffer.concat(through));
      });
    }) as typeof socket.on;
    return socket;
  };
  return {
    factory,
    loseNextProduceAnswer: () => void (armed = true),
    get sent() {
      return sent;
    },
    get lost() {
      return lost;
    },
  };
}

/** Every record's meridian-id on the topic (read to its end), in offset order. */
async function idsOnTopic(brokers: string[], topic: string): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'e2e-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())).reduce((n, p) => n + Number(p.high), 0);
  const ids: string[] = [];
  const reader = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}`, sessionTimeout: 3_000, heartbeatInterval: 300 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void ids.push(message.headers?.['meridian-id']?.toString() ?? '?') });
  try {
    await until(`${topic} read to its end`, () => ids.length >= total || undefined, 30_000);
  } finally {
    await reader.disconnect();
  }
  return ids;
}

describe('Kafka bus: a produce whose answer was lost, with another publish waiting for the partition', () => {
  let broker: KafkaBroker;

  beforeAll(async () => {
    broker = await startKafkaBroker({ brokers: 1 });
  }, 240_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it('the waiting publish is written, not taken for the retry of the lost one (both stored once)', async () => {
    expect(broker.kind).toBe('apache');
    const topics = regionTopics(`retry-${randomUUID().slice(0, 8)}.`);
    for (const t of Object.values(topics)) await broker.createTopic(t, 1); // one partition: every message meets there
    const sockets = answerLosingSockets();
    const logs: string[] = [];
    const bus = new KafkaBus({
      regions: [{ id: REGION, brokers: broker.brokers, topics, consumerGroup: `${topics.spans}.ingester` }],
      settings: {
        ...DEFAULT_KAFKA_BUS_SETTINGS,
        // A lost answer times out after 1.5 s; time enough for kafkajs' retry to succeed.
        producer: { ...DEFAULT_KAFKA_BUS_SETTINGS.producer, idempotent: true, requestTimeoutMs: 1_500, retries: 5, publishTimeoutMs: 30_000 },
      },
      log: (level, line) => logs.push(`${level} ${line}`),
      kafkaLogLevel: 'warn',
      socketFactory: sockets.factory,
    });
    const message = (name: string): RowBatchMessage => ({
      id: `${name}-${randomUUID()}`,
      tenantId: 't-retry',
      region: REGION,
      table: 'spans',
      rowCount: 1,
      body: Buffer.from('{}\n'),
    });
    try {
      const first = message('warm-up');
      await bus.publish([first]); // connected, producer id, metadata
      const lostAnswer = message('lost-answer');
      const waiting = message('waiting');
      sockets.loseNextProduceAnswer();
      const a = bus.publish([lostAnswer]);
      await until('the produce request whose answer is lost sent', () => sockets.sent === 1 || undefined, 10_000);
      await sleep(200); // the broker has written it; its answer is being lost
      const b = bus.publish([waiting]); // same partition, one message like the first
      const results = await Promise.allSettled([a, b]);
      expect(sockets.lost).toBe(1);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']); // both acknowledged
      const ids = await idsOnTopic(broker.brokers, topics.spans);
      const count = (id: string) => ids.filter((x) => x === id).length;
      console.log(
        `[kafka-produce-retry] on the topic: ${ids.length} records; lost-answer ×${count(lostAnswer.id)}, waiting ×${count(waiting.id)}\n${logs.filter((l) => !l.startsWith('info')).join('\n')}`,
      );
      expect({ warmUp: count(first.id), lostAnswer: count(lostAnswer.id), waiting: count(waiting.id) }).toEqual({ warmUp: 1, lostAnswer: 1, waiting: 1 });
    } finally {
      await bus.close();
    }
  }, 120_000);
});
