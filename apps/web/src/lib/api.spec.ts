import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '@meridian/api-contract';
import { ApiError, shouldRetry } from './api';
import { autoRetrySeconds, errorMessage } from './errors';

describe('shouldRetry (queries of the UI)', () => {
  const error = (status: number) => new ApiError(status, { statusCode: status, message: 'x' } as never, 'hitmap');

  it('tries again after 429 (the read gate queued the tenant’s reads), 503 and network errors, twice at most', () => {
    for (const e of [error(429), error(503), new TypeError('fetch failed')]) {
      expect([0, 1, 2].map((n) => shouldRetry(n, e))).toEqual([true, true, false]);
    }
  });

  it('does not repeat other client errors: the same request gets the same answer', () => {
    for (const status of [400, 401, 403, 404]) expect(shouldRetry(0, error(status))).toBe(false);
  });

  it('does not repeat a read the engine stopped at its time limit (it would hold a read slot as long again)', () => {
    const timeout = new ApiError(504, { statusCode: 504, reason: 'execution_timeout', message: 'the query ran longer than 30 s and was stopped' }, 'hitmap');
    expect(shouldRetry(0, timeout)).toBe(false);
    // A 504 of a proxy in front may pass on the next try.
    expect(shouldRetry(0, error(504))).toBe(true);
  });
});

describe('ApiClient: refused answers (the client of the UI)', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // Answers as the server's ReadLimitFilter does (apps/server/src/read-limits.ts), per path.
    server = createServer((req, res) => {
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      const refused = (status: number, reason: string, message: string) =>
        JSON.stringify({ statusCode: status, error: status === 429 ? 'Too Many Requests' : 'Service Unavailable', reason, message });
      const tenant = decodeURIComponent(req.url!.split('/')[4]);
      if (tenant === 'own')
        return send(429, refused(429, 'tenant_wait_timeout', 'read waited 10000 ms for a slot (own); retry later'), { 'retry-after': '10' });
      if (tenant === 'others') return send(503, refused(503, 'engine_busy', 'read waited 10000 ms for a slot (others); retry later'), { 'retry-after': '10' });
      if (tenant === 'text') return send(503, 'upstream down', { 'retry-after': '7', 'content-type': 'text/plain' });
      if (tenant === 'date') return send(429, refused(429, 'queue_full', 'too many'), { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' });
      return send(200, JSON.stringify({ from: 0, columns: [], cellsPerColumn: [], y: [], hits: [], errors: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const client = new ApiClient({ baseUrl: '', fetch: (input, init) => fetch(`${base}${String(input)}`, init) });
  const hitmap = (tenant: string) => client.call('hitmap', { params: { tenant }, query: { last: '5m' } }).catch((e: unknown) => e);

  it('carries a refusal’s Retry-After into the error, so the notice counts down the server’s seconds', async () => {
    const own = await hitmap('own');
    expect(own).toBeInstanceOf(ApiError);
    expect(own).toMatchObject({ status: 429, retryAfterSeconds: 10, body: { reason: 'tenant_wait_timeout' } });
    expect(autoRetrySeconds(own)).toBe(10);
    expect(errorMessage(own, 'en', autoRetrySeconds(own))).toBe('Too many queries for this tenant are running — retrying in 10 s.');
    const others = await hitmap('others');
    expect(others).toMatchObject({ status: 503, retryAfterSeconds: 10, body: { reason: 'engine_busy', message: expect.stringMatching(/waited 10000 ms/) } });
    expect(autoRetrySeconds(others)).toBe(10);
  });

  it('keeps a body that is not JSON as the message, and no seconds for a Retry-After given as a date', async () => {
    await expect(hitmap('ok')).resolves.toMatchObject({ columns: [] });
    expect(await hitmap('text')).toMatchObject({ status: 503, retryAfterSeconds: 7, body: { message: 'upstream down' } });
    const dated = await hitmap('date');
    expect(dated).toMatchObject({ status: 429, body: { reason: 'queue_full' } });
    expect((dated as ApiError).retryAfterSeconds).toBeUndefined();
    expect(autoRetrySeconds(dated)).toBe(5);
  });
});
