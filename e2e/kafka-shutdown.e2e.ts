/**
 * Graceful shutdown while Kafka is unreachable: SIGTERM to an intake and an ingester process
 * whose brokers were all killed under load. Both must exit 0 within their shutdown budget
 * instead of hanging on the dead cluster (or dying by a signal).
 */
import { freshPostgresDatabase, type KafkaBroker, type MeridianProcess, startKafkaBroker, startMeridian } from '@meridian/testing';
import { type OtlpLoad, startOtlpLoad } from './support/otlp-load';
import { kafkaTestEnv } from './support/kafka-env';

const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REGION = 'ap-northeast-1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGTERM while every Kafka broker is down', () => {
  let broker: KafkaBroker;
  let drop: (() => Promise<void>) | undefined;
  const procs: MeridianProcess[] = [];
  let load: OtlpLoad | undefined;

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    await Promise.all(procs.map((p) => p.kill()));
    await broker?.stop();
    await drop?.();
  }, 60_000);

  it('intake and ingester exit 0 within their shutdown budget', async () => {
    broker = await startKafkaBroker({
      brokers: 1,
      topics: {
        [`meridian.${REGION}.spans`]: 4,
        [`meridian.${REGION}.metric-points`]: 1,
        [`meridian.${REGION}.logs`]: 1,
        [`meridian.${REGION}.dead-letter`]: 1,
      },
    });
    const db = await freshPostgresDatabase(POSTGRES, 'meridian_kafka_shutdown');
    drop = db.drop;
    const env = kafkaTestEnv(broker.bootstrap, db.url);
    const intake = await startMeridian({ roles: 'intake', env, timeoutMs: 120_000 });
    procs.push(intake);
    const ingester = await startMeridian({ roles: 'ingester,api', env, timeoutMs: 120_000 });
    procs.push(ingester);
    load = startOtlpLoad({ ports: () => [intake.ports.http], key: intake.ingestKey, spansPerRequest: 20 });
    await load.acceptedBy(2_000, 60_000);
    await broker.kill();
    await sleep(15_000); // publishes failing; the consumer lost its coordinator and crashed (kafkajs restarts it)
    const t0 = Date.now();
    const [ingesterCode, intakeCode] = await Promise.all([ingester.stop(), intake.stop()]);
    const seconds = (Date.now() - t0) / 1000;
    await load.stop();
    load = undefined;
    console.log(
      `[kafka-shutdown] SIGTERM with every broker down: ingester exited ${ingesterCode} (${ingester.child.signalCode ?? 'no signal'}), intake ${intakeCode} (${intake.child.signalCode ?? 'no signal'}), after ${seconds.toFixed(1)} s`,
    );
    const tail = (p: MeridianProcess) => p.output().slice(-4_000);
    expect({ code: ingesterCode, signal: ingester.child.signalCode, output: ingesterCode === 0 ? '' : tail(ingester) }).toEqual({
      code: 0,
      signal: null,
      output: '',
    });
    expect({ code: intakeCode, signal: intake.child.signalCode, output: intakeCode === 0 ? '' : tail(intake) }).toEqual({ code: 0, signal: null, output: '' });
    expect(seconds).toBeLessThan(30);
  }, 240_000);
});
