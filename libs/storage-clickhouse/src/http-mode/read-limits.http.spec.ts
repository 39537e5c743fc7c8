// Over HTTP (clickhouse.mode: http) a running read can be aborted: @clickhouse/client closes its request.
import './over-http';
import { openTestClickHouse, type TestClickHouse } from '../testing';
import { ReadCancelledError } from '../queries/read-gate';
import { withReadSignal } from '../queries/read-signal';
import { select } from '../queries/sql';

describe('tenant reads over HTTP', () => {
  let ch: TestClickHouse;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test'], { migrate: false });
  }, 60_000);
  afterAll(() => ch?.close());

  it('aborts a running read whose request was closed: its caller is answered at once and its slot is free', async () => {
    const store = ch.stores.test;
    const request = new AbortController();
    const t0 = Date.now();
    const running = withReadSignal(request.signal, () =>
      select(store, 'SELECT sleepEachRow(0.25) AS s, {tenant:String} AS t FROM numbers(8)', { tenant: 'a' }, 'max_block_size = 1'),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(store.readGate.load()).toEqual({ running: 1, waiting: 0 });
    request.abort();
    await expect(running).rejects.toBeInstanceOf(ReadCancelledError);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(store.readGate.load()).toEqual({ running: 0, waiting: 0 });
  }, 30_000);
});
