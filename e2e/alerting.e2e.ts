import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@meridian/alert-channels';
import { startHttpReceiver, startSmtpCapture } from '@meridian/alert-channels/testing';
import { type MeridianProcess, sdkTelemetry, SessionClient, startMeridian } from '@meridian/testing';

/**
 * Alerting through the real server: channels and a rule created over the API, real spans sent
 * with the OpenTelemetry SDK through intake, the alerter firing to a local Slack/webhook
 * receiver and a local SMTP server, a restart in the middle, then exactly one resolved message.
 */
describe('alerting end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-alerting-'));
  const env = {
    MERIDIAN_ALERT_INTERVAL_MS: '300',
    MERIDIAN_ALERT_RETRY_MS: '200',
    MERIDIAN_ALERT_ALLOW_TARGETS: '127.0.0.1',
    MERIDIAN_PUBLIC_URL: 'https://meridian.example.com',
  };
  let m: MeridianProcess;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const slug = `alerts-${randomBytes(3).toString('hex')}`;
  const hmacSecret = 'e2e-webhook-secret-0123456789';
  const slackPath = '/slack/T0001/B0001/VerySecretToken';

  beforeAll(async () => {
    [receiver, smtp] = await Promise.all([startHttpReceiver(), startSmtpCapture()]);
    m = await startMeridian({ dataDir, env });
  }, 90_000);

  afterAll(async () => {
    await m?.stop();
    await receiver?.close();
    await smtp?.close();
  });

  const base = () => `http://127.0.0.1:${m.ports.api}`;
  const slackMessages = () =>
    receiver.requests
      .filter((r) => r.path === slackPath)
      .map(
        (r) =>
          JSON.parse(r.body) as {
            text: string;
            blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ url?: string }> }>;
          },
      );
  const hookCalls = () => receiver.requests.filter((r) => r.path === '/hook');
  const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${m.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('refuses private targets, masks secrets, fires once across a restart and resolves once', async () => {
    const ownerEmail = `alerts-${randomBytes(3).toString('hex')}@example.com`;
    const owner = await SessionClient.signUp({ base: base(), dataDir }, ownerEmail);
    await owner.call('createTenant', { body: { slug, name: 'Alerts', region: 'ap-northeast-1' } });
    const t = { tenant: slug };
    const ingestKey = (await owner.call('createKey', { params: t, body: { name: 'prod', kind: 'ingest' } })).secret;

    // SSRF: a private address not on the allow-list is refused, naming the field.
    const refused = await owner.api
      .call('putAlertChannel', { params: t, body: { key: 'x', name: 'x', kind: 'slack', url: 'http://10.0.0.1/hook' } })
      .catch((e: { status: number; body: { issues?: Array<{ field: string }> } }) => e);
    expect(refused).toMatchObject({ status: 400, body: { issues: [{ field: 'body.url' }] } });
    // IPv6 forms that carry a loopback address are loopback; the tenant user is told whom to ask, not a server variable.
    const nat64 = await owner.api
      .call('putAlertChannel', { params: t, body: { key: 'x', name: 'x', kind: 'webhook', url: 'http://[64:ff9b::127.0.0.1]:9/hook', secret: 'x'.repeat(16) } })
      .catch((e: { status: number; body: { issues?: Array<{ field: string; message: string }> } }) => e);
    expect(nat64).toMatchObject({ status: 400, body: { issues: [{ field: 'body.url', message: expect.stringMatching(/ask your Meridian operator/) }] } });
    expect(JSON.stringify(nat64)).not.toMatch(/MERIDIAN_|allowTargets/);
    // A name that does not resolve right now is saved with a warning (DNS may be briefly down; every send re-checks).
    const unresolved = await owner.call('putAlertChannel', {
      params: t,
      body: { key: 'later', name: 'later', kind: 'slack', url: 'https://hooks.meridian-test.invalid/x' },
    });
    expect(unresolved.warnings).toEqual([{ field: 'body.url', message: expect.stringMatching(/cannot resolve hooks\.meridian-test\.invalid right now/) }]);
    await owner.call('deleteAlertChannel', { params: { ...t, channelId: unresolved.id } });

    const slack = await owner.call('putAlertChannel', {
      params: t,
      body: { key: 'slack', name: 'Slack #ops', kind: 'slack', url: `${receiver.url}${slackPath}` },
    });
    await owner.call('putAlertChannel', { params: t, body: { key: 'hook', name: 'Pager', kind: 'webhook', url: `${receiver.url}/hook`, secret: hmacSecret } });
    await owner.call('putAlertChannel', {
      params: t,
      body: {
        key: 'mail',
        name: 'Ops mail',
        kind: 'email',
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        from: 'alerts@meridian.example.com',
        to: ['ops@example.com'],
      },
    });
    const listed = await owner.call('listAlertChannels', { params: t });
    expect(listed.channels.map((c) => c.key)).toEqual(['hook', 'mail', 'slack']);
    expect(JSON.stringify(listed)).not.toContain('VerySecretToken');
    expect(JSON.stringify(listed)).not.toContain(hmacSecret);
    expect(slack.target).toBe(`${receiver.url}/…oken`);

    // "Send test" reaches the receiver at once.
    expect(await owner.call('testAlertChannel', { params: { ...t, channelId: slack.id } })).toEqual({ ok: true });
    expect(slackMessages()[0].text).toContain('Test message from Meridian');
    receiver.requests.length = 0;

    // Bad rules are refused naming the field; unknown channel keys too.
    expect(await owner.status('putAlertRule', { params: t, body: { key: 'r', name: 'r', metric: 'hitmap_vertical', critical: 3 } })).toBe(400);
    expect(await owner.status('putAlertRule', { params: t, body: { key: 'r', name: 'r', metric: 'error_rate', critical: 3, channels: ['nope'] } })).toBe(400);

    const rule = await owner.call('putAlertRule', {
      params: t,
      body: {
        key: 'checkout-slow',
        name: 'Checkout slow',
        metric: 'hitmap_horizontal',
        service: 'checkout',
        slowMs: 500,
        warning: 5,
        critical: 10,
        windowSeconds: 15,
        forSeconds: 0,
        channels: ['slack', 'hook', 'mail'],
        runbookUrl: 'https://runbooks.example.com/checkout',
      },
    });
    expect(rule.state.state).toBe('ok');

    // Real spans through intake: 1 s transactions ending in three different 5 s columns.
    const sdk = sdkTelemetry({ protocol: 'http/protobuf', httpPort: m.ports.http, grpcPort: m.ports.grpc, key: ingestKey, serviceName: 'checkout' });
    for (const endAgoMs of [10_000, 5_000, 0]) {
      const end = Date.now() - endAgoMs;
      const span = sdk.tracer.startSpan('POST /checkout', {
        kind: SpanKind.SERVER,
        startTime: new Date(end - 1_000),
        attributes: { 'http.route': '/checkout', 'http.request.method': 'POST' },
      });
      span.end(new Date(end));
    }
    await sdk.flush();
    await sdk.shutdown();

    await until('the firing message', () => slackMessages().length >= 1 && hookCalls().length >= 1 && smtp.mails.length >= 1);
    const firing = slackMessages()[0];
    expect(firing.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(firing.blocks[0].text?.text).toMatch(/CRITICAL: Checkout slow/);
    expect(firing.blocks[2].fields?.map((f) => f.text)).toEqual(
      expect.arrayContaining(['*Service*\ncheckout', '*Region*\nap-northeast-1', '*Threshold*\n10 s']),
    );
    const [hitmapButton, runbookButton] = firing.blocks[3].elements ?? [];
    expect(hitmapButton.url).toMatch(new RegExp(`^https://meridian\\.example\\.com/hitmap\\?tenant=${slug}&from=.+&to=.+&service=checkout$`));
    expect(runbookButton.url).toBe('https://runbooks.example.com/checkout');
    const hook = hookCalls()[0];
    expect(hook.headers[SIGNATURE_HEADER]).toBe(signWebhook(hmacSecret, String(hook.headers[TIMESTAMP_HEADER]), hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({ kind: 'firing', ruleId: rule.id, severity: 'critical', tenantSlug: slug, service: 'checkout' });
    expect(smtp.mails[0].to).toEqual(['ops@example.com']);
    expect(smtp.mails[0].raw).toMatch(/Subject: \[Meridian\] CRITICAL: Checkout slow/);

    const firingList = await owner.call('listFiringAlerts', { params: t });
    expect(firingList.alerts).toEqual([expect.objectContaining({ ruleId: rule.id, severity: 'critical' })]);

    // Restart mid-alert: the state is persisted, nothing is sent again; once the slow hits leave
    // the 15 s window the rule resolves, with one message per channel.
    const first = m;
    await first.stop();
    expect(first.output()).not.toMatch(/alerter tick failed|lease lost/);
    m = await startMeridian({ dataDir, env });
    await until('the resolved message', () => slackMessages().length >= 2 && hookCalls().length >= 2 && smtp.mails.length >= 2, 45_000);
    await new Promise((r) => setTimeout(r, 1_500)); // a few more evaluations: nothing else may arrive
    expect(slackMessages().map((s) => s.blocks[0].text?.text.replace(/^:\w+: /, ''))).toEqual(['CRITICAL: Checkout slow', 'Resolved: Checkout slow']);
    expect(hookCalls().map((h) => (JSON.parse(h.body) as { kind: string }).kind)).toEqual(['firing', 'resolved']);
    expect(smtp.mails).toHaveLength(2);

    const after = await SessionClient.signIn(base(), ownerEmail);
    const history = await after.call('alertRuleHistory', { params: { ...t, ruleId: rule.id }, query: {} });
    expect(history.events.map((e) => `${e.from}→${e.to}`)).toEqual(['firing→resolved', 'ok→firing']);
    expect((await after.call('listFiringAlerts', { params: t })).alerts).toEqual([]);
    const deliveries = await after.call('listAlertDeliveries', { params: t, query: {} });
    expect(deliveries.deliveries.map((d) => `${d.kind}:${d.status}`).sort()).toEqual([
      'firing:sent',
      'firing:sent',
      'firing:sent',
      'resolved:sent',
      'resolved:sent',
      'resolved:sent',
    ]);
  }, 150_000);

  it('imports rules and channels idempotently by key and exports them without secrets', async () => {
    const owner = await SessionClient.signUp({ base: base(), dataDir }, `bulk-${randomBytes(3).toString('hex')}@example.com`);
    const bulkSlug = `bulk-${randomBytes(3).toString('hex')}`;
    await owner.call('createTenant', { body: { slug: bulkSlug, name: 'Bulk', region: 'ap-northeast-2' } });
    const body = {
      channels: [{ key: 'ops', name: 'Ops', kind: 'webhook' as const, url: `${receiver.url}/bulk`, secret: 'bulk-secret-0123456789' }],
      rules: Array.from({ length: 50 }, (_, i) => ({
        key: `svc-${i}/p95`,
        name: `svc-${i} p95`,
        metric: 'latency_p95' as const,
        service: `svc-${i}`,
        warning: 300 + i,
        critical: 800,
        channels: ['ops'],
      })),
    };
    expect(await owner.call('importAlerting', { params: { tenant: bulkSlug }, body })).toEqual({
      channels: { created: 1, updated: 0 },
      rules: { created: 50, updated: 0 },
    });
    expect(await owner.call('importAlerting', { params: { tenant: bulkSlug }, body })).toEqual({
      channels: { created: 0, updated: 1 },
      rules: { created: 0, updated: 50 },
    });
    const exported = await owner.call('exportAlerting', { params: { tenant: bulkSlug } });
    expect(exported.rules).toHaveLength(50);
    expect(exported.rules.find((r) => r.key === 'svc-7/p95')).toMatchObject({
      warning: 307,
      critical: 800,
      service: 'svc-7',
      channels: ['ops'],
      state: { state: 'ok' },
    });
    expect(JSON.stringify(exported)).not.toContain('bulk-secret');
    // Silences: a maintenance window for the whole tenant, listed and ended.
    const t = { tenant: bulkSlug };
    const pastEnd = await owner.api
      .call('createAlertSilence', { params: t, body: { endsAt: '2020-01-01T00:00:00Z' } })
      .catch((e: { status: number; body: { issues?: Array<{ field: string }> } }) => e);
    expect(pastEnd).toMatchObject({ status: 400, body: { issues: [{ field: 'body.endsAt' }] } });
    const silence = await owner.call('createAlertSilence', { params: t, body: { reason: 'deploy', endsAt: new Date(Date.now() + 3_600_000).toISOString() } });
    expect((await owner.call('listAlertSilences', { params: t })).silences).toEqual([
      expect.objectContaining({ id: silence.id, ruleId: null, reason: 'deploy' }),
    ]);
    await owner.call('deleteAlertSilence', { params: { ...t, silenceId: silence.id } });
    expect((await owner.call('listAlertSilences', { params: t })).silences).toEqual([]);

    // Viewers read rules but cannot change them.
    const viewerEmail = `viewer-${randomBytes(3).toString('hex')}@example.com`;
    const invite = await owner.call('createInvitation', { params: t, body: { email: viewerEmail, role: 'viewer' } });
    const viewer = await SessionClient.signUp(base(), viewerEmail, undefined, new URL(invite.acceptUrl).searchParams.get('token')!);
    expect((await viewer.call('listAlertRules', { params: t })).rules).toHaveLength(50);
    expect(await viewer.status('putAlertRule', { params: t, body: body.rules[0] })).toBe(403);
    expect(await viewer.status('importAlerting', { params: t, body })).toBe(403);
    expect(await viewer.status('createAlertSilence', { params: t, body: { endsAt: new Date(Date.now() + 60_000).toISOString() } })).toBe(403);

    // A bad entry rejects the whole import, naming it.
    const bad = await owner.api
      .call('importAlerting', { params: { tenant: bulkSlug }, body: { rules: [{ ...body.rules[0], channels: ['missing'] }] } })
      .catch((e: { status: number; body: { issues?: Array<{ field: string }> } }) => e);
    expect(bad).toMatchObject({ status: 400, body: { issues: [{ field: 'body.rules.0.channels' }] } });
  }, 60_000);
});
