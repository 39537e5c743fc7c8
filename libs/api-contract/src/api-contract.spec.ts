import { z } from 'zod';
import { ApiClient, ApiError } from './client';
import { buildOpenApiDocument } from './openapi';
import { roleAtLeast } from './route';
import { API_ROUTES } from './routes';
import { createTenantBody, hitmapQuery, ingestLimitOverridesBody, ingestUsageQuery } from './index';

describe('API contract', () => {
  it('has one unique method+path per route, tenant routes under /api/v1/tenants/{tenant}', () => {
    const keys = Object.values(API_ROUTES).map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of Object.values(API_ROUTES)) {
      if (r.auth === 'tenant') expect(r.path).toMatch(/^\/api\/v1\/tenants\/\{tenant\}/);
    }
  });

  it('generates an OpenAPI 3.1 document with every route, its parameters and security', () => {
    const doc = buildOpenApiDocument('test');
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }>; security?: unknown[] }>).map(
        ([m, op]) => ({ path, m, op }),
      ),
    );
    expect(ops.map((o) => o.op.operationId).sort()).toEqual(Object.keys(API_ROUTES).sort());
    const hitmap = ops.find((o) => o.op.operationId === 'hitmap')!;
    expect(hitmap.path).toBe('/api/v1/tenants/{tenant}/hitmap');
    expect(hitmap.op.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:tenant', 'query:from', 'query:service']));
    expect(hitmap.op.security).toEqual([{ session: [] }, { apiKey: [] }]);
    expect(ops.find((o) => o.op.operationId === 'signIn')!.op.security).toEqual([]);
  });

  it('documents the operator-only route with the operator token, and the limit/usage reads for viewers', () => {
    const doc = buildOpenApiDocument('test');
    const item = (doc.paths ?? {})['/api/v1/tenants/{tenant}/ingest-limits'] as Record<string, { security?: unknown[]; responses: Record<string, unknown> }>;
    expect(item.put.security).toEqual([{ operatorToken: [] }]);
    expect(Object.keys(item.put.responses).sort()).toEqual(['200', '400', '403', '404']);
    expect(item.get.security).toEqual([{ session: [] }, { apiKey: [] }]);
    expect(API_ROUTES.getIngestUsage.minRole).toBe('viewer');
    expect(ingestLimitOverridesBody.safeParse({ spansPerSecond: 10, dataPointsPerSecond: null, logRecordsPerSecond: null, bytesPerSecond: null }).success).toBe(
      true,
    );
    const bad = ingestLimitOverridesBody.safeParse({ spansPerSecond: 0, dataPointsPerSecond: 1.5, logRecordsPerSecond: null, extra: 1 });
    expect(bad.error?.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'bytesPerSecond',
      'dataPointsPerSecond',
      'spansPerSecond',
      'unrecognized_keys',
    ]);
    expect(ingestUsageQuery.safeParse({ from: '2026-02-30' }).error?.issues[0]).toMatchObject({
      path: ['from'],
      message: expect.stringContaining('calendar day'),
    });
    expect(ingestUsageQuery.safeParse({ to: '06/12/2026' }).error?.issues[0]).toMatchObject({ path: ['to'], message: expect.stringContaining('YYYY-MM-DD') });
  });

  it('orders roles viewer < member < admin < owner', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('member', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'member')).toBe(false);
  });

  it('validates inputs with messages naming the problem', () => {
    const bad = createTenantBody.safeParse({ slug: 'A!', name: '', region: '' });
    expect(bad.success).toBe(false);
    const fields = z.flattenError(bad.error!).fieldErrors;
    expect(Object.keys(fields).sort()).toEqual(['name', 'region', 'slug']);
    expect(hitmapQuery.safeParse({ last: '10 minutes' }).success).toBe(false);
  });

  it('client fills path and query, sends CSRF on writes only, and raises ApiError with the body', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      if (url.includes('/keys')) return new Response(JSON.stringify({ statusCode: 403, message: 'role admin needed' }), { status: 403 });
      return new Response(JSON.stringify({ columnSeconds: 5, rows: 120, cells: [] }), { status: 200 });
    }) as typeof fetch;
    const client = new ApiClient({ baseUrl: 'http://x', fetch: fakeFetch, csrfToken: () => 'tok' });
    await client.call('hitmap', { params: { tenant: 'a b' }, query: { last: '10m', service: undefined } });
    expect(calls[0].url).toBe('http://x/api/v1/tenants/a%20b/hitmap?last=10m');
    expect((calls[0].init.headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
    const err = await client.call('createKey', { params: { tenant: 't' }, body: { name: 'k' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, body: { message: 'role admin needed' } });
    expect((calls[1].init.headers as Record<string, string>)['x-csrf-token']).toBe('tok');
    expect(() => client.url('trace', { params: { tenant: 't' } as never })).toThrow('path parameter "traceId" is missing');
  });
});
