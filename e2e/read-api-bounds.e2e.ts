import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ROUTES, type RouteDef } from '@meridian/api-contract';
import { type MeridianProcess, startMeridian } from '@meridian/testing';

/**
 * Every read route of the contract, walked with values outside what the stored columns hold
 * (dates before 1900 or 1970, after 2106 or 2262, durations of 1e308 ms, 64-bit overflows…):
 * the answer is a 4xx naming the field, never a 5xx. New read routes are walked automatically.
 */
describe('read API: out-of-range query values', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-bounds-'));
  let m: MeridianProcess;

  beforeAll(async () => {
    m = await startMeridian({ dataDir });
  }, 90_000);
  afterAll(() => m?.stop());

  const readRoutes = (Object.entries(API_ROUTES) as Array<[string, RouteDef]>).filter(([, r]) => r.method === 'GET' && r.auth === 'tenant');

  async function get(route: RouteDef, query: Record<string, string>): Promise<{ status: number; message: string }> {
    const path = route.path.replace(/\{(\w+)\}/g, (_, p: string) => {
      if (p === 'tenant') return 'demo';
      if (p === 'traceId') return '0123456789abcdef0123456789abcdef';
      if (p === 'instance') return 'postgresql://db:5432';
      return '00000000-0000-4000-8000-000000000000';
    });
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`http://127.0.0.1:${m.ports.api}${path.split('/').map(encodeURIComponent).join('/').replace(/%2F/g, '/')}${qs ? `?${qs}` : ''}`, {
      headers: { authorization: `Bearer ${m.apiKey}` },
    });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    return { status: res.status, message: body.message ?? '' };
  }

  // [from, to] windows (5 minutes long, so no window-length limit applies) at and beyond the columns' ends.
  const WINDOWS: Array<[string, string]> = [
    ['1899-12-31T23:55:00Z', '1900-01-01T00:00:00Z'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:05:00Z'],
    ['1969-12-31T23:55:00Z', '1970-01-01T00:00:00Z'],
    ['2106-02-07T06:25:00Z', '2106-02-07T06:30:00Z'],
    ['2200-01-01T00:00:00Z', '2200-01-01T00:05:00Z'],
    ['2262-04-11T23:45:00Z', '2262-04-11T23:50:00Z'],
    ['2300-01-01T00:00:00Z', '2300-01-01T00:05:00Z'],
    ['+275760-09-13T00:00:00Z', '+275760-09-13T00:00:00Z'],
    ['-271821-04-20T00:00:00Z', '-271821-04-20T00:05:00Z'],
    ['0000000000', '0000300000'],
    ['9999999999999999', '9999999999999999'],
    // Calendar days (the usage route's format) at the ends of what a date can be written as.
    ['0000-01-01', '0000-01-02'],
    ['9999-12-30', '9999-12-31'],
  ];
  const NUMBERS = ['1e308', '-1e308', '1e21', '9223372036854775808', '18446744073709551616', '-1', '0', 'NaN', 'Infinity', '1.5', '0x10', ''];
  const STRINGS = ['x'.repeat(5000), '\u0000', '\ud800', "'; DROP TABLE spans; --"];

  it('answers every read route with no 5xx', async () => {
    expect(readRoutes.length).toBeGreaterThanOrEqual(15);
    const failures: string[] = [];
    let calls = 0;
    for (const [name, route] of readRoutes) {
      const keys = Object.keys(route.query?.shape ?? {});
      const cases: Array<Record<string, string>> = [{}];
      if (keys.includes('from')) {
        for (const [from, to] of WINDOWS) cases.push({ from, to });
        cases.push({ last: '99999999999d' }, { last: '0s' });
      }
      for (const k of keys.filter((k) => !['from', 'to', 'last'].includes(k))) {
        for (const v of [...NUMBERS, ...STRINGS]) cases.push({ [k]: v });
      }
      if (keys.includes('minMs'))
        cases.push({ minMs: '1e15', maxMs: '1e16' }, { minMs: '0', maxMs: '9e12', from: '1900-01-01T00:00:00Z', to: '1900-01-01T00:05:00Z' });
      if (keys.includes('before')) cases.push({ before: '99999999999999999999999' }, { before: '9223372036854775808' });
      for (const query of cases) {
        const { status, message } = await get(route, query);
        calls++;
        if (status >= 500) failures.push(`${name} ${JSON.stringify(query).slice(0, 120)} → ${status} ${message.slice(0, 120)}`);
      }
    }
    if (failures.length)
      console.log(
        m
          .output()
          .split('\n')
          .filter((l) => /error|Error/.test(l))
          .slice(-5)
          .join('\n'),
      );
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(500);
  }, 300_000);

  it('names the field: a window outside what the columns hold is a 400 about from/to', async () => {
    const services = API_ROUTES.services as RouteDef;
    const transactions = API_ROUTES.transactions as RouteDef;
    // Rollups (DateTime) end in 2106; raw spans (DateTime64(9)) reach 2262.
    expect(await get(services, { from: '2200-01-01T00:00:00Z', to: '2200-01-01T00:05:00Z' })).toEqual({
      status: 400,
      message: expect.stringMatching(/^from: must be a time in 1970-01-01T00:00:00.000Z … 2106-02-07T06:28:00.000Z/),
    });
    expect(await get(transactions, { from: '2200-01-01T00:00:00Z', to: '2200-01-01T00:05:00Z' })).toMatchObject({ status: 200 });
    expect(await get(transactions, { from: '1899-12-31T23:55:00Z', to: '1900-01-01T00:00:00Z' })).toEqual({
      status: 400,
      message: expect.stringMatching(/^from: must be a time in 1900-01-01/),
    });
    expect(await get(transactions, { maxMs: '1e308' })).toEqual({ status: 400, message: expect.stringMatching(/maxMs/) });
    expect(await get(transactions, { minMs: '1e15' })).toEqual({ status: 400, message: expect.stringMatching(/minMs/) });
  }, 60_000);
});
