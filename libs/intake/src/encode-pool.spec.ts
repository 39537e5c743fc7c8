import { decodeNativeRows } from '@meridian/domain';
import { DEFAULT_ITEM_LIMITS, OtlpDecodeError } from '@meridian/otlp';
import { EncodePool } from './encode-pool';
import { encodeRequest, type EncodeJob } from './request-rows';

const HOUR_AGO = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n;

function tracesJob(n: number, service: string): EncodeJob {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: `${(i % 16).toString(16)}${'a'.repeat(31)}`,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `GET /items/${i % 7}`,
    kind: 2,
    startTimeUnixNano: String(HOUR_AGO + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(HOUR_AGO + BigInt(i) * 1_000_000n + 5_000_000n),
    attributes: [
      { key: 'http.route', value: { stringValue: `/items/${i % 7}` } },
      { key: 'note', value: { stringValue: 'ünïcode ✓' } },
    ],
  }));
  // one bad span (no trace id): rejected with a reason, the rest kept
  spans.push({ ...spans[0], traceId: '' });
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }],
  });
  return {
    signal: 'traces',
    encoding: 'json',
    body: Buffer.from(body),
    ctx: { tenantId: 't1', retentionDays: 30 },
    opts: { limits: DEFAULT_ITEM_LIMITS, retentionDays: 30 },
  };
}

describe('encodeRequest: bus message ids come from the request', () => {
  const ids = (job: EncodeJob) => encodeRequest(job).messages.map((m) => m.id);

  it('gives a request sent again the same ids (so Kafka copies are dropped), and another tenant, signal or body other ids', () => {
    const job = tracesJob(2_500, 'checkout');
    const first = ids(job);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3); // one id per message, even where two messages' rows were equal
    for (const id of first) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids(tracesJob(2_500, 'checkout'))).toEqual(first);
    expect(ids({ ...tracesJob(2_500, 'checkout'), ctx: { tenantId: 't2', retentionDays: 30 } })).not.toContain(first[0]);
    expect(ids(tracesJob(2_500, 'billing'))).not.toContain(first[0]);
  });
});

describe('EncodePool (worker threads)', () => {
  let pool: EncodePool;
  beforeAll(() => {
    pool = new EncodePool(2);
  });
  afterAll(() => pool.close());

  it('gives the same messages, counts and reasons as encoding on the calling thread; bodies come back as Buffers', async () => {
    const job = tracesJob(200, 'checkout');
    const inline = encodeRequest(job);
    const pooled = await pool.run(job);
    expect(pooled.rows).toBe(200);
    expect({ ...pooled, messages: [] }).toEqual({ ...inline, messages: [] });
    expect(pooled.rejected).toBe(1);
    expect(pooled.messages.map((m) => m.rowCount)).toEqual(inline.messages.map((m) => m.rowCount));
    expect(pooled.messages.map((m) => m.id)).toEqual(inline.messages.map((m) => m.id));
    for (const [i, m] of pooled.messages.entries()) {
      expect(Buffer.isBuffer(m.body)).toBe(true);
      expect(decodeNativeRows('spans', m.body)).toEqual(decodeNativeRows('spans', inline.messages[i].body));
    }
  });

  it('moves a handed-over body that owns its memory to the thread instead of copying it; copies anything else', async () => {
    const inline = encodeRequest(tracesJob(50, 'checkout'));
    const owned = tracesJob(50, 'checkout');
    owned.body = new Uint8Array(owned.body); // exactly its own ArrayBuffer
    const kept = tracesJob(50, 'checkout'); // the same bytes, not handed over
    const pooledSmall = { ...tracesJob(1, 'checkout'), body: Buffer.from('{}') }; // a slice of Node's shared pool
    const results = [await pool.run(owned, true), await pool.run(kept), await pool.run(pooledSmall, true)];
    expect(owned.body.byteLength).toBe(0); // detached: its memory went to the thread
    expect(kept.body.byteLength).toBeGreaterThan(0);
    expect(pooledSmall.body.toString()).toBe('{}'); // the pool's other users keep their bytes
    for (const r of results.slice(0, 2)) expect(r.messages.map((m) => m.id)).toEqual(inline.messages.map((m) => m.id));
  });

  it('runs many requests at once on its threads, each answered with its own rows', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => tracesJob(20 + i, `svc-${i}`));
    const results = await Promise.all(jobs.map((j) => pool.run(j)));
    results.forEach((r, i) => {
      expect(r.rows).toBe(20 + i);
      const services = new Set(r.messages.flatMap((m) => decodeNativeRows('spans', m.body).map((row) => row.service)));
      expect([...services]).toEqual([`svc-${i}`]);
    });
  });

  it('a body that is not OTLP fails with OtlpDecodeError (a 400 to the client), like on the calling thread', async () => {
    const job: EncodeJob = { ...tracesJob(1, 's'), body: Buffer.from('{"resourceSpans": 7}') };
    const expected = (() => {
      try {
        encodeRequest(job);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(expected).toBeInstanceOf(OtlpDecodeError);
    await expect(pool.run(job)).rejects.toEqual(expect.objectContaining({ name: 'OtlpDecodeError', message: expected!.message }));
    await expect(pool.run(job)).rejects.toBeInstanceOf(OtlpDecodeError);
    expect((await pool.run(tracesJob(3, 's'))).rows).toBe(3); // the thread lives on
  });

  it('is ready once every thread has loaded PostgreSQL’s SQL scanner: a statement gets the same fingerprint on a fresh thread as on this one', async () => {
    const fresh = new EncodePool(1);
    try {
      await fresh.ready();
      const statement = 'SELECT "o"."id" FROM orders AS o WHERE o.id = $1 AND o.note = E\'it\'\'s\'';
      const spans = [
        {
          traceId: 'b'.repeat(32),
          spanId: 'c'.repeat(16),
          name: 'SELECT',
          kind: 3,
          startTimeUnixNano: String(HOUR_AGO),
          endTimeUnixNano: String(HOUR_AGO + 1_000_000n),
          attributes: [
            { key: 'db.system', value: { stringValue: 'postgresql' } },
            { key: 'db.statement', value: { stringValue: statement } },
          ],
        },
      ];
      const body = Buffer.from(
        JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans }] }] }),
      );
      const job: EncodeJob = { ...tracesJob(1, 's'), body };
      const [onThread] = decodeNativeRows('spans', (await fresh.run(job)).messages[0].body);
      const [here] = decodeNativeRows('spans', encodeRequest(job).messages[0].body);
      expect(onThread.db_fingerprint).not.toBe('');
      expect(onThread.db_fingerprint).toBe(here.db_fingerprint);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new EncodePool(0)).toThrow(/positive integer, got 0/);
  });
});
