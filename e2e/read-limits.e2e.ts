import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MeridianProcess, startMeridian } from '@meridian/testing';

/**
 * The read gate as the server binary wires it (MERIDIAN_READS_*): the usage route reads three
 * tables at once; with one read running and one waiting allowed per tenant, the third is
 * refused, and the request answers 429 with Retry-After and the reason.
 */
describe('read API: per-tenant read limits', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-read-limits-'));
  let m: MeridianProcess;

  beforeAll(async () => {
    m = await startMeridian({ dataDir, env: { MERIDIAN_READS_TENANT_MAX_RUNNING: '1', MERIDIAN_READS_TENANT_MAX_QUEUED: '1', MERIDIAN_DEMO: '0' } });
  }, 90_000);
  afterAll(() => m?.stop());

  const get = (path: string) => fetch(`http://127.0.0.1:${m.ports.api}${path}`, { headers: { authorization: `Bearer ${m.apiKey}` } });

  it("answers a request whose reads overflow the tenant's queue 429 + Retry-After naming the reason, counted in /metrics", async () => {
    const res = await get('/api/v1/tenants/demo/usage');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ statusCode: 429, reason: 'queue_full', message: expect.stringMatching(/too many reads of this tenant at once/) });
    // A request within the bounds is answered.
    const ok = await get('/api/v1/tenants/demo/services?last=15m');
    expect(ok.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${m.ports.api}/metrics`)).text();
    expect(metrics).toMatch(/meridian_read_refusals_total\{reason="queue_full"\} 1/);
  });
});
