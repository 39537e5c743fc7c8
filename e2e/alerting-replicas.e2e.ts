import { randomBytes } from 'node:crypto';
import {
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleRepository,
  AlertSilenceRepository,
  ControlPlaneDb,
  TenantRepository,
} from '@meridian/control-plane';
import { AlertQueries, RowWriter } from '@meridian/storage-clickhouse';
import { makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { ChannelSender, sealChannel, SecretBox, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@meridian/alert-channels';
import { startHttpReceiver } from '@meridian/alert-channels/testing';
import { Alerter } from '@meridian/alerter';
import { freshPostgresDatabase } from '@meridian/testing';

/**
 * The alerter against real storage: embedded ClickHouse with slow spans, the control plane on
 * PGlite and on the local PostgreSQL server, a local HTTP receiver for Slack and the webhook.
 * Two replicas evaluate the same rules at once, one is replaced by a fresh one (a restart), and
 * each transition must reach each channel exactly once.
 */
const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe.each([['PGlite'], ['PostgreSQL']])('alerter on %s', (engine) => {
  let ch: TestClickHouse;
  let dbs: ControlPlaneDb[] = [];
  let drop: (() => Promise<void>) | undefined;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  const box = new SecretBox(randomBytes(32));
  let offsetMs = 0;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    receiver = await startHttpReceiver((path) => (path.startsWith('/broken') ? 500 : 200));
    if (engine === 'PostgreSQL') {
      const db = await freshPostgresDatabase(POSTGRES.replace(/\/[^/]*$/, '/postgres'), 'meridian_alerter');
      drop = db.drop;
      dbs = [await ControlPlaneDb.open({ databaseUrl: db.url }), await ControlPlaneDb.open({ databaseUrl: db.url })];
    } else {
      const one = await ControlPlaneDb.open();
      dbs = [one, one];
    }
    await dbs[0].migrate();
  }, 60_000);

  afterAll(async () => {
    for (const db of new Set(dbs)) await db.close();
    await drop?.();
    await receiver?.close();
    await ch?.close();
  });

  const replica = (db: ControlPlaneDb, owner: string) =>
    new Alerter({
      rules: new AlertRuleRepository(db),
      channels: new AlertChannelRepository(db),
      outbox: new AlertOutboxRepository(db),
      silences: new AlertSilenceRepository(db),
      queries: new AlertQueries(ch.clients),
      box,
      sender: new ChannelSender({ allowTargets: ['127.0.0.1'] }),
      publicUrl: 'https://meridian.example.com',
      evaluationIntervalMs: 100,
      evaluationConcurrency: 4,
      tenantEvaluationConcurrency: 2,
      retryInitialMs: 50,
      maxAttempts: 2,
      owner,
      now: () => new Date(Date.now() + offsetMs),
    });

  it('fires once, stays quiet across a restart, resolves once; two replicas never double-send', async () => {
    const tenant = await new TenantRepository(dbs[0]).create({
      slug: `alerts-${randomBytes(3).toString('hex')}`,
      name: 'Alerts',
      region: 'test',
      retentionDays: 7,
    });
    const rules = new AlertRuleRepository(dbs[0]);
    const hmacSecret = 'a-webhook-secret-of-some-length';
    for (const c of [
      { key: 'slack', name: 'Slack', kind: 'slack' as const, url: `${receiver.url}/slack/T000/B000/XXXX` },
      { key: 'hook', name: 'Webhook', kind: 'webhook' as const, url: `${receiver.url}/hook`, secret: hmacSecret },
      { key: 'broken', name: 'Broken', kind: 'webhook' as const, url: `${receiver.url}/broken`, secret: hmacSecret },
    ]) {
      await new AlertChannelRepository(dbs[0]).upsert(tenant.id, sealChannel(box, tenant.id, c));
    }
    const { rule } = await rules.upsert(tenant.id, {
      key: 'slow-checkout',
      name: 'Checkout is slow',
      enabled: true,
      definition: {
        metric: 'hitmap_horizontal',
        direction: 'above',
        service: 'checkout',
        warning: 5,
        critical: 10,
        windowSeconds: 30,
        forSeconds: 0,
        renotifySeconds: 0,
        hysteresisPercent: 10,
        slowMs: 1000,
        channels: ['slack', 'hook', 'broken'],
      },
    });

    // Slow hits (2 s) in three 5 s columns ending now, another tenant's too (must not count).
    const writer = new RowWriter(ch.clients);
    const rows = [0, 5, 10].flatMap((ago) => [
      makeSpanRow({ tenant_id: tenant.id, startNanos: nowNanos(BigInt(-(ago + 2) * 1e9)), durationMs: 2000 }),
      makeSpanRow({ tenant_id: 'someone-else', startNanos: nowNanos(BigInt(-(ago + 2) * 1e9)), durationMs: 9000 }),
    ]);
    await writer.insert('test', 'spans', toRowBody('spans', rows), `alert-${engine}`);

    let a = replica(dbs[0], 'replica-a');
    const b = replica(dbs[1], 'replica-b');
    const ticks = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await Promise.all([a.tick(), b.tick()]);
        await new Promise((r) => setTimeout(r, 120));
      }
    };
    const sent = (path: string, kind?: string) =>
      receiver.requests.filter((r) => r.path.startsWith(path) && (!kind || (JSON.parse(r.body) as { kind?: string; text?: string }).text?.includes(kind)));

    await ticks(5);
    const state = await rules.getState(tenant.id, rule.id);
    expect(state).toMatchObject({ state: 'firing', severity: 'critical', lastValue: 15 });
    expect(sent('/slack')).toHaveLength(1);
    expect(sent('/hook')).toHaveLength(1);

    const slack = JSON.parse(sent('/slack')[0].body) as {
      text: string;
      blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ url?: string }> }>;
    };
    expect(slack.blocks.map((x) => x.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(slack.blocks[0].text?.text).toContain('CRITICAL: Checkout is slow');
    expect(slack.blocks[1].text?.text).toBe('Time with hits slower than 1000 ms is 15 s, above the critical threshold of 10 s.');
    expect(slack.blocks[2].fields?.map((f) => f.text.split('\n')[0])).toEqual(['*Severity*', '*Value*', '*Service*', '*Region*', '*Since*', '*Threshold*']);
    const link = new URL(slack.blocks[3].elements?.[0].url ?? '');
    expect(`${link.origin}${link.pathname}`).toBe('https://meridian.example.com/hitmap');
    expect(link.searchParams.get('tenant')).toBe(tenant.slug);
    expect(link.searchParams.get('service')).toBe('checkout');
    expect(Date.parse(link.searchParams.get('to') ?? '') - Date.parse(link.searchParams.get('from') ?? '')).toBeGreaterThanOrEqual(30_000);
    expect(slack.text).toContain('Where: checkout (region test)');

    const hook = sent('/hook')[0];
    expect(hook.headers[SIGNATURE_HEADER]).toBe(signWebhook(hmacSecret, String(hook.headers[TIMESTAMP_HEADER]), hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({
      version: 1,
      kind: 'firing',
      ruleId: rule.id,
      severity: 'critical',
      value: 15,
      threshold: 10,
      region: 'test',
    });

    // The broken endpoint was tried maxAttempts times and the failure is recorded.
    await ticks(3);
    const failed = await new AlertOutboxRepository(dbs[0]).list(tenant.id, { status: 'failed', limit: 10 });
    expect(failed).toEqual([expect.objectContaining({ attempts: 2, lastError: expect.stringContaining('answered 500') })]);
    expect(sent('/broken')).toHaveLength(2);

    // A restart: replica a is replaced by a new process (new owner); still firing, nothing re-sent.
    await a.stop();
    a = replica(dbs[0], 'replica-a2');
    await ticks(4);
    expect(sent('/slack')).toHaveLength(1);
    expect(sent('/hook')).toHaveLength(1);

    // Two minutes later the window holds no slow hits: resolved, once per channel.
    offsetMs = 120_000;
    await ticks(5);
    expect(await rules.getState(tenant.id, rule.id)).toMatchObject({ state: 'ok', lastValue: 0 });
    expect(sent('/slack').map((r) => (JSON.parse(r.body) as { blocks: Array<{ text?: { text: string } }> }).blocks[0].text?.text)).toEqual([
      expect.stringContaining('CRITICAL: Checkout is slow'),
      expect.stringContaining('Resolved: Checkout is slow'),
    ]);
    expect(sent('/hook').map((r) => (JSON.parse(r.body) as { kind: string }).kind)).toEqual(['firing', 'resolved']);
    const history = await rules.listEvents(tenant.id, rule.id, 10);
    expect(history.map((e) => `${e.fromState}→${e.toState}`).reverse()).toEqual(['ok→firing', 'firing→resolved']);
  }, 60_000);
});
