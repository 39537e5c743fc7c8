import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { startClickHouseHttpHarness, type ClickHouseHttpHarnessProcess } from './clickhouse-http-harness-process';

// The harness runs as a child process (its own chdb engine); this file talks to it only over HTTP.
describe('ClickHouse HTTP test harness (chdb behind the HTTP interface, driven by @clickhouse/client)', () => {
  let h: ClickHouseHttpHarnessProcess;
  let client: ClickHouseClient;
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${h.url}${path}`, {
      ...init,
      headers: { authorization: `Basic ${Buffer.from(`${h.username}:${h.password}`).toString('base64')}`, ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    h = await startClickHouseHttpHarness();
    client = createClient({ url: h.url, username: h.username, password: h.password });
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS h' });
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS h.t (s String, n UInt32) ENGINE = MergeTree ORDER BY s' });
  });
  afterAll(async () => {
    await client?.close();
    await h?.stop();
  });

  it('answers /ping without credentials, and refuses queries with wrong or missing ones (401, AUTHENTICATION_FAILED)', async () => {
    const ping = await fetch(`${h.url}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, 'Ok.\n']);
    expect((await client.ping()).success).toBe(true);
    const anonymous = await fetch(`${h.url}/?query=SELECT%201`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-clickhouse-exception-code')).toBe('516');
    const wrong = createClient({ url: h.url, username: h.username, password: 'nope' });
    await expect(wrong.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    await wrong.close();
    const headers = await fetch(`${h.url}/?query=SELECT%2042`, { headers: { 'X-ClickHouse-User': h.username, 'X-ClickHouse-Key': h.password } });
    expect(await headers.text()).toBe('42\n');
  });

  it('inserts with the query in the URL and the rows in the body, and reports what it wrote in X-ClickHouse-Summary', async () => {
    const res = await client.insert({
      table: 'h.t',
      values: [
        { s: 'a', n: 1 },
        { s: 'b', n: 2 },
      ],
      format: 'JSONEachRow',
    });
    expect(res.summary).toMatchObject({ written_rows: '2' });
    const rs = await client.query({ query: 'SELECT s, n FROM h.t ORDER BY s', format: 'JSONEachRow' });
    expect(rs.response_headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe(rs.query_id);
    expect(await rs.json()).toEqual([
      { s: 'a', n: 1 },
      { s: 'b', n: 2 },
    ]);
    // exec with a body, as RowWriter inserts: the SETTINGS clause and FORMAT are in the URL's query.
    const ex = await client.exec({
      query: 'INSERT INTO h.t (s, n) SETTINGS async_insert = 0 FORMAT JSONCompactEachRow',
      values: Readable.from([Buffer.from('["c",3]\n')]),
    });
    for await (const _ of ex.stream) {
      // drain
    }
    expect(ex.summary).toMatchObject({ written_rows: '1' });
    // An empty insert is a no-op, as on a server.
    await client.insert({ table: 'h.t', values: [], format: 'JSONEachRow' });
    await client.exec({ query: 'INSERT INTO h.t FORMAT JSONEachRow', values: Readable.from([Buffer.alloc(0)]) }).then(async (r) => {
      for await (const _ of r.stream) {
        // drain
      }
    });
  });

  it('binds param_* in the engine: hostile values stay values, and a value that is not of its type is refused', async () => {
    const hostile = ["x' OR 1=1 --", "a\\' OR '1'='1", 'tab\tnew\nline\\', '{s:String}', "'); DROP TABLE h.t; --"];
    for (const value of hostile) {
      const rs = await client.query({
        query: 'SELECT {v:String} AS v, count() AS n FROM h.t WHERE s = {v:String}',
        query_params: { v: value },
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ v: value, n: '0' }]);
    }
    const arr = await client.query({
      query: 'SELECT {a:Array(String)} AS a, {i:UInt64} AS i',
      query_params: { a: ["it's", 'b\\c'], i: 7 },
      format: 'JSONEachRow',
    });
    expect(await arr.json()).toEqual([{ a: ["it's", 'b\\c'], i: '7' }]);
    await expect(client.query({ query: 'SELECT {i:UInt8}', query_params: { i: '1; DROP TABLE h.t' } })).rejects.toMatchObject({ code: '457' });
    const left = await client.query({ query: 'SELECT count() AS n FROM h.t', format: 'JSONEachRow' });
    expect(await left.json()).toEqual([{ n: expect.any(String) }]);
  });

  it('applies URL settings and `database` to their request only, and refuses a setting name that is not one', async () => {
    const get = async (settings: Record<string, string | number>) => {
      const rs = await client.query({
        query: "SELECT toString(getSetting('max_threads')) AS t, toString(getSetting('max_block_size')) AS b",
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
      return (await rs.json<{ t: string; b: string }>())[0];
    };
    const before = await get({});
    expect(await get({ max_threads: 1, max_block_size: '1234' })).toMatchObject({ t: '1', b: '1234' });
    expect(await get({})).toEqual(before);
    const injected = await raw(`/?query=${encodeURIComponent('SELECT 1')}&max_threads=${encodeURIComponent('1; DROP TABLE h.t')}`);
    expect(injected.status).not.toBe(200);
    const badName = await raw(`/?query=SELECT%201&${encodeURIComponent('x = 1; DROP')}=1`);
    expect([badName.status, badName.headers.get('x-clickhouse-exception-code')]).toEqual([404, '115']);
    const db = createClient({ url: h.url, username: h.username, password: h.password, database: 'h' });
    const rs = await db.query({ query: 'SELECT currentDatabase() AS d, count() > 0 AS any FROM t', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ d: 'h', any: 1 }]);
    await db.close();
    const other = await client.query({ query: 'SELECT currentDatabase() AS d', format: 'JSONEachRow' });
    expect(await other.json()).toEqual([{ d: 'default' }]);
  });

  it('takes gzip request bodies and gzips answers when asked (enable_http_compression)', async () => {
    const gz = createClient({ url: h.url, username: h.username, password: h.password, compression: { request: true, response: true } });
    await gz.insert({ table: 'h.t', values: [{ s: 'gz', n: 9 }], format: 'JSONEachRow' });
    const rs = await gz.query({ query: "SELECT n FROM h.t WHERE s = 'gz'", format: 'JSONEachRow' });
    expect(rs.response_headers['content-encoding']).toBe('gzip');
    expect(await rs.json()).toEqual([{ n: 9 }]);
    await gz.close();
    const res = await raw('/?query=' + encodeURIComponent('SELECT 5'), {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(0)),
    });
    expect(await res.text()).toBe('5\n');
  });

  it('answers errors as ClickHouse does: status by code, X-ClickHouse-Exception-Code, the engine text (so insert errors classify alike)', async () => {
    const syntax = await raw('/', { method: 'POST', body: 'SELEC 1' });
    expect([syntax.status, syntax.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(await syntax.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error.*\(SYNTAX_ERROR\)/s);
    const err = await client
      .exec({ query: 'INSERT INTO h.t (s, n) FORMAT JSONCompactEachRow', values: Readable.from([Buffer.from('["x",-1]\n')]) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '72', type: 'CANNOT_PARSE_NUMBER' });
    await expect(client.query({ query: 'SELECT * FROM h.missing' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });

  it('harness-only: lists token-carrying INSERTs per user and can hold a user’s answers after storing (kill-between-stored-and-acked tests)', async () => {
    const other = await startClickHouseHttpHarness({ users: { slow: 'pw-slow' }, holdInsertAnswersMs: { slow: 1_500 } });
    const slow = createClient({ url: other.url, username: 'slow', password: 'pw-slow' });
    const main = createClient({ url: other.url, username: other.username, password: other.password });
    try {
      await main.command({ query: 'CREATE TABLE default.d (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 10' });
      const insert = (c: ClickHouseClient) =>
        c
          .exec({
            query: "INSERT INTO default.d SETTINGS insert_deduplicate = 1, insert_deduplication_token = 'tok-\\'1' FORMAT JSONEachRow",
            values: Readable.from([Buffer.from('{"x":1}\n')]),
          })
          .then(async (r) => {
            for await (const _ of r.stream) {
              // drain
            }
          });
      const held = insert(slow);
      const deadline = Date.now() + 5_000;
      let listed = await other.inserts();
      while (listed.length === 0 && Date.now() < deadline) listed = await other.inserts();
      expect(listed).toEqual([expect.objectContaining({ user: 'slow', table: 'default.d', token: "tok-'1", rows: 1, answered: false })]);
      const stored = await main.query({ query: 'SELECT count() AS n FROM default.d', format: 'JSONEachRow' });
      expect(await stored.json()).toEqual([{ n: '1' }]); // stored before it is answered
      await held;
      await insert(main); // same token from another user: deduplicated by the engine
      expect((await other.inserts()).map((i) => [i.user, i.answered])).toEqual([
        ['slow', true],
        [other.username, true],
      ]);
      const after = await main.query({
        query: "SELECT (SELECT count() FROM default.d) AS n, (SELECT value FROM system.events WHERE event = 'DuplicatedInsertedBlocks') > 0 AS dedup",
        format: 'JSONEachRow',
      });
      expect(await after.json()).toEqual([{ n: '1', dedup: 1 }]);
    } finally {
      await slow.close();
      await main.close();
      await other.stop();
    }
  });

  it('keeps a session_id’s SETs and temporary tables, one query at a time', async () => {
    const session_id = `s-${Date.now()}`;
    await client.command({ query: 'SET max_threads = 1', session_id });
    await client.command({ query: 'CREATE TEMPORARY TABLE tmp (x UInt8)', session_id });
    await client.command({ query: 'INSERT INTO tmp VALUES (5)', session_id });
    const rs = await client.query({
      query: "SELECT toString(getSetting('max_threads')) AS t, (SELECT sum(x) FROM tmp) AS s",
      format: 'JSONEachRow',
      session_id,
    });
    expect(await rs.json()).toEqual([{ t: '1', s: '5' }]);
    const outside = await client.query({ query: "SELECT toString(getSetting('max_threads')) AS t", format: 'JSONEachRow' });
    expect(await outside.json()).not.toEqual([{ t: '1' }]);
  });
});
