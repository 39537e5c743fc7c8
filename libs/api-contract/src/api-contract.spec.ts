import { z } from 'zod';
import { ApiClient, ApiError } from './client';
import { buildOpenApiDocument } from './openapi';
import { roleAtLeast } from './route';
import { API_ROUTES } from './routes';
import { createTenantBody, hitmapQuery } from './index';

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
      Object.entries(item as Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }>; security?: unknown[] }>).map(([m, op]) => ({ path, m, op })),
    );
    expect(ops.map((o) => o.op.operationId).sort()).toEqual(Object.keys(API_ROUTES).sort());
    const hitmap = ops.find((o) => o.op.operationId === 'hitmap')!;
    expect(hitmap.path).toBe('/api/v1/tenants/{tenant}/hitmap');
    expect(hitmap.op.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:tenant', 'query:from', 'query:service']));
    expect(hitmap.op.security).toEqual([{ session: [] }, { apiKey: [] }]);
    expect(ops.find((o) => o.op.operationId === 'signIn')!.op.security).toEqual([]);
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
