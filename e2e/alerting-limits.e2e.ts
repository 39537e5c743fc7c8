import { type MeridianProcess, startMeridian } from '@meridian/testing';

/**
 * The per-tenant rule cap through the real server: creating or importing past
 * MERIDIAN_ALERT_MAX_RULES_PER_TENANT answers 400 naming the field and the cap, and an
 * import that would pass it writes nothing.
 */
describe('alert rule cap per tenant', () => {
  let m: MeridianProcess;
  beforeAll(async () => {
    m = await startMeridian({ env: { MERIDIAN_ALERT_MAX_RULES_PER_TENANT: '3' } });
  }, 90_000);
  afterAll(() => m?.stop());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${m.ports.api}/api/v1/tenants/demo/alerting/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${m.apiKey}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { issues?: Array<{ field: string; message: string }> } };
  };
  const rule = (key: string) => ({ key, name: `Rule ${key}`, metric: 'latency_p95', warning: 1000, windowSeconds: 60 });
  const keys = async () => {
    const res = await fetch(`http://127.0.0.1:${m.ports.api}/api/v1/tenants/demo/alerting/rules`, { headers: { authorization: `Bearer ${m.apiKey}` } });
    return ((await res.json()) as { rules: Array<{ key: string }> }).rules.map((r) => r.key).sort();
  };

  it('refuses the rule over the cap at create and at import, naming the field and the cap; replacing a rule still works', async () => {
    for (const key of ['a', 'b', 'c']) expect((await post('rules', rule(key))).status).toBeLessThan(300);

    const over = await post('rules', rule('d'));
    expect(over.status).toBe(400);
    expect(over.body.issues).toEqual([{ field: 'body.key', message: expect.stringContaining('at most 3 alert rules') }]);
    expect(over.body.issues?.[0].message).toContain('alerting.maxRulesPerTenant');
    expect((await post('rules', { ...rule('a'), warning: 2000 })).status).toBeLessThan(300);

    const imported = await post('import', { channels: [], rules: [rule('b'), rule('e')] });
    expect(imported.status).toBe(400);
    expect(imported.body.issues).toEqual([{ field: 'body.rules', message: expect.stringContaining('at most 3 alert rules') }]);
    expect(await keys()).toEqual(['a', 'b', 'c']);
    expect((await post('import', { channels: [], rules: [rule('b'), rule('c')] })).status).toBeLessThan(300);
  }, 60_000);
});
