import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { nanosToDateTime64 } from '@meridian/domain';
import {
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleRepository,
  AlertSilenceRepository,
  ControlPlaneDb,
  TenantRepository,
} from '@meridian/control-plane';
import { AlertQueries, RowWriter } from '@meridian/storage-clickhouse';
import { makeMetricPointRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { ChannelSender, SecretBox, sealChannel } from '@meridian/alert-channels';
import { Alerter } from './alerter';

/**
 * Host down and pod restarts through the whole alerter: measured on embedded ClickHouse, state
 * kept in the control plane (PGlite), messages delivered to a real HTTP webhook receiver. The
 * alerter's clock is moved to evaluate the same stored points at two moments: a host silent
 * and a pod restarting (firing), then both reporting calmly again (resolved).
 */
describe('alerter: host down and pod restarts', () => {
  let ch: TestClickHouse;
  let cp: ControlPlaneDb;
  let receiver: Server;
  const received: Array<{ kind: string; ruleName: string; value: number; text: string; link: string; subjects?: Array<{ name: string; value: number }> }> = [];
  // T: the first evaluation; T + 400 s: the second. Points after T are "the future" for the first one.
  const T = Math.floor(Date.now() / 1000) * 1000;
  const at = (offsetSeconds: number) => nanosToDateTime64(BigInt(T + offsetSeconds * 1000) * 1_000_000n);

  beforeAll(async () => {
    ch = await openTestClickHouse(['test']);
    cp = await ControlPlaneDb.open();
    await cp.migrate();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  }, 60_000);
  afterAll(async () => {
    receiver?.close();
    await cp?.close();
    await ch?.close();
  });

  it('fires naming the silent host and the restarting pod, and resolves once they are calm', async () => {
    const tenant = await new TenantRepository(cp.db).create({
      slug: `infra-${randomBytes(3).toString('hex')}`,
      name: 'Infra',
      region: 'test',
      retentionDays: 7,
    });
    const heartbeat = (host: string, offset: number, env = 'prod') =>
      makeMetricPointRow({
        tenant_id: tenant.id,
        ts: at(offset),
        metric_name: 'system.cpu.time',
        metric_type: 'SUM',
        service: '',
        host_name: host,
        resource_attributes: { 'host.name': host, 'deployment.environment': env },
        attributes: { cpu: 'cpu0', state: 'user' },
        value: 100 + offset,
      });
    const restarts = (offset: number, value: number) =>
      makeMetricPointRow({
        tenant_id: tenant.id,
        ts: at(offset),
        metric_name: 'k8s.container.restarts',
        metric_type: 'GAUGE',
        service: '',
        host_name: '',
        resource_attributes: { 'k8s.namespace.name': 'shop', 'k8s.pod.name': 'api-7d9f-abc', 'k8s.container.name': 'api' },
        value,
      });
    const rows = [
      // web-1 reports up to T − 10 s, web-2 stopped at T − 200 s; both report again at T + 390 s.
      heartbeat('web-1', -300),
      heartbeat('web-1', -10),
      heartbeat('web-2', -300),
      heartbeat('web-2', -200),
      // web-3 stopped at T − 300 s and never reports again.
      heartbeat('web-3', -300, 'lab'),
      heartbeat('web-1', 390),
      heartbeat('web-2', 390),
      // 3 restarts in the 5 minutes before T, none in the 5 minutes before T + 400 s.
      ...[-330, -270, -210, -150, -90, -30].map((o, i) => restarts(o, [0, 0, 1, 2, 3, 3][i])),
      ...[130, 190, 250, 310, 370].map((o) => restarts(o, 3)),
    ];
    await new RowWriter(ch.clients).insert('test', 'metric_points', toRowBody('metric_points', rows), `alerter-infra-${randomBytes(4).toString('hex')}`);

    const box = new SecretBox(randomBytes(32));
    const { port } = receiver.address() as AddressInfo;
    await new AlertChannelRepository(cp).upsert(
      tenant.id,
      sealChannel(box, tenant.id, { key: 'ops', name: 'Ops hook', kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: 's'.repeat(16) }),
    );
    const rules = new AlertRuleRepository(cp);
    const common = { direction: 'above', forSeconds: 0, renotifySeconds: 0, hysteresisPercent: 10, channels: ['ops'] };
    const hostDown = await rules.upsert(tenant.id, {
      key: 'host-down',
      name: 'A host is down',
      enabled: true,
      definition: { ...common, metric: 'host_down', resourceAttributes: { 'deployment.environment': 'prod' }, windowSeconds: 3600, warning: 60, critical: 600 },
    });
    const web3Down = await rules.upsert(tenant.id, {
      key: 'web-3-down',
      name: 'web-3 is down',
      enabled: true,
      definition: { ...common, metric: 'host_down', host: 'web-3', windowSeconds: 600, warning: 60, critical: 120 },
    });
    const podRestarts = await rules.upsert(tenant.id, {
      key: 'pod-restarts',
      name: 'Pods restart',
      enabled: true,
      definition: { ...common, metric: 'pod_restarts', resourceAttributes: { 'k8s.namespace.name': 'shop' }, windowSeconds: 300, warning: 1, critical: 5 },
    });

    let clock = new Date(T);
    const alerter = new Alerter({
      rules,
      channels: new AlertChannelRepository(cp),
      outbox: new AlertOutboxRepository(cp),
      silences: new AlertSilenceRepository(cp),
      queries: new AlertQueries(ch.clients),
      box,
      sender: new ChannelSender({ allowTargets: ['127.0.0.1'] }),
      publicUrl: 'https://meridian.example.com',
      evaluationIntervalMs: 30_000,
      evaluationConcurrency: 4,
      tenantEvaluationConcurrency: 4,
      retryInitialMs: 1_000,
      maxAttempts: 2,
      now: () => clock,
    });
    const states = async () => [
      (await rules.getState(tenant.id, hostDown.rule.id))!,
      (await rules.getState(tenant.id, podRestarts.rule.id))!,
      (await rules.getState(tenant.id, web3Down.rule.id))!,
    ];

    await alerter.tick();
    const [host, pod, web3] = await states();
    expect(host).toMatchObject({ state: 'firing', severity: 'warning', lastValue: 200 });
    expect(web3).toMatchObject({ state: 'firing', severity: 'critical', lastValue: 300 });
    expect(pod).toMatchObject({ state: 'firing', severity: 'warning', lastValue: 3 });
    const firing = received.filter((m) => m.kind === 'firing').sort((a, b) => a.ruleName.localeCompare(b.ruleName));
    expect(firing.map((m) => [m.ruleName, m.value, m.subjects])).toEqual([
      // Only the host past the threshold is named: web-1 (10 s) is fine.
      ['A host is down', 200, [{ name: 'web-2', value: 200 }]],
      ['Pods restart', 3, [{ name: 'shop/api-7d9f-abc', value: 3 }]],
      ['web-3 is down', 300, [{ name: 'web-3', value: 300 }]],
    ]);
    expect(firing[0].text).toContain('Time since a host last reported is 200 s, above the warning threshold of 60 s: web-2 (200 s).');
    expect(firing[1].text).toContain('Container restarts of one pod is 3 restarts, above the warning threshold of 1 restarts: shop/api-7d9f-abc (3 restarts).');
    // Links to the pages that show them: the servers, one host's page, the namespace's Kubernetes map.
    expect(firing.map((m) => m.link)).toEqual([
      `https://meridian.example.com/servers?tenant=${tenant.slug}`,
      `https://meridian.example.com/kubernetes?tenant=${tenant.slug}&namespace=shop`,
      `https://meridian.example.com/servers/host?tenant=${tenant.slug}&host=web-3`,
    ]);
    expect(firing[0].text).toContain(`Servers: https://meridian.example.com/servers?tenant=${tenant.slug}`);

    // 400 s later both hosts reported 10 s ago and the pod has not restarted in its window.
    clock = new Date(T + 400_000);
    await sql`update alert_rule_states set next_eval_at = now() where tenant_id = ${tenant.id}`.execute(cp.db);
    await alerter.tick();
    const [hostAfter, podAfter, web3After] = await states();
    expect(hostAfter).toMatchObject({ state: 'ok', lastValue: 10 });
    expect(podAfter).toMatchObject({ state: 'ok', lastValue: 0 });
    // web-3 has been silent past its 600 s look-back: not measurable any more, and not recovered either.
    expect(web3After).toMatchObject({ state: 'firing', severity: 'critical', lastValue: 600 });
    expect(
      received
        .filter((m) => m.kind === 'resolved')
        .map((m) => [m.ruleName, m.value, m.subjects ?? []])
        .sort(),
    ).toEqual([
      ['A host is down', 10, []],
      ['Pods restart', 0, []],
    ]);
  }, 120_000);
});
