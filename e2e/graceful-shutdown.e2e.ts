/**
 * SIGTERM while clients are sending: the all-in-one server stops taking requests, answers the ones
 * in flight, drains its bus into ClickHouse and exits 0. Every span of a request answered 2xx is
 * then in the store exactly once, read both from the stopped store and through the restarted api.
 */
import { ApiClient, startMeridian } from '@meridian/testing';
import { startOtlpLoad, storedSpanCopies } from './support/otlp-load';

describe('graceful shutdown under load', () => {
  it('SIGTERM mid-stream loses no accepted span and doubles none', async () => {
    const server = await startMeridian();
    const load = startOtlpLoad({ ports: () => [server.ports.http], key: server.ingestKey, concurrency: 4 });
    try {
      await load.acceptedBy(3_000);
      expect(await server.stop()).toBe(0);
    } finally {
      await load.stop();
    }

    const copies = await storedSpanCopies(server.dataDir);
    expect([...copies.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...load.accepted].filter((id) => !copies.has(id))).toEqual([]);
    expect([...copies.keys()].filter((id) => !load.accepted.has(id) && !load.maybe.has(id))).toEqual([]);

    const again = await startMeridian({ dataDir: server.dataDir });
    try {
      const usage = await new ApiClient(again.ports.api, again.apiKey).get<{ spans: number }>('/usage');
      expect(usage.body.spans).toBe(copies.size);
    } finally {
      await again.stop();
    }
  }, 180_000);
});
