import { randomBytes } from 'node:crypto';
import { ApiClient, startMeridian } from '@meridian/testing';
import { otlpTracesJson, storedSpanCopies } from './support/otlp-load';

const SPANS = 20_000;
const PER_REQUEST = 50;
const CONCURRENCY = 16;

/**
 * A 200 from the embedded default means durable: the inline bus's write-ahead log holds what
 * intake accepted until ClickHouse acknowledged it, and a restart replays it with the same batch
 * composition (same dedup tokens), so nothing is lost and nothing is stored twice.
 */
describe('write-ahead log: a 200 survives kill -9', () => {
  it('stores exactly the 20,000 spans answered 200 before a kill -9, none twice', async () => {
    // A long flush interval keeps most of the load on the bus (not yet in ClickHouse) at the kill.
    const env = { MERIDIAN_INGEST_FLUSH_MS: '1000' };
    const first = await startMeridian({ env });
    const traceIds = Array.from({ length: SPANS }, () => randomBytes(16).toString('hex'));
    const bodies: string[] = [];
    for (let i = 0; i < SPANS; i += PER_REQUEST) bodies.push(otlpTracesJson(traceIds.slice(i, i + PER_REQUEST), 'wal-svc'));

    let next = 0;
    const answers: number[] = [];
    const client = async () => {
      for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
        const res = await fetch(`http://127.0.0.1:${first.ports.http}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${first.ingestKey}` },
          body,
        });
        await res.arrayBuffer();
        answers.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    await first.kill(); // right after the last 200: no drain, no graceful anything
    expect(answers.filter((s) => s === 200)).toHaveLength(bodies.length);

    const second = await startMeridian({ dataDir: first.dataDir, env });
    try {
      const api = new ApiClient(second.ports.api, second.apiKey);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const usage = await api.get<{ spans: number }>('/usage');
        if (usage.status === 200 && usage.body.spans >= SPANS) break;
        if (Date.now() > deadline) throw new Error(`only ${usage.body.spans} of ${SPANS} spans stored after the restart`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      expect(await second.stop()).toBe(0);
    }
    // The kill left accepted spans unstored: this run proves the replay, not a lucky drain.
    expect(second.output()).toMatch(/write-ahead log of region ap-northeast-1: delivering \d+ unacknowledged messages again/);

    const copies = await storedSpanCopies(first.dataDir);
    const notOnce = traceIds.filter((id) => copies.get(id) !== 1).map((id) => [id, copies.get(id) ?? 0]);
    expect(notOnce).toEqual([]);
    expect(traceIds.reduce((n, id) => n + (copies.get(id) ?? 0), 0)).toBe(SPANS);
  }, 240_000);
});
