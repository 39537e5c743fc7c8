import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertMessage } from '@meridian/api-contract';
import { ChannelSender } from './channel-sender';
import { checkTargetHost, checkTargetUrl, isPrivateAddress, TargetRefusedError, TargetUnresolvedError } from './target-guard';

describe('target guard: IPv6 forms that carry an IPv4 address', () => {
  it.each([
    ['IPv4-compatible', '::127.0.0.1'],
    ['IPv4-compatible, hex', '::7f00:1'],
    ['NAT64 (RFC 6052)', '64:ff9b::127.0.0.1'],
    ['NAT64 to a private address', '64:ff9b::a00:1'],
    ['NAT64 local-use prefix', '64:ff9b:1::1'],
    ['RFC 6145 translated', '::ffff:0:127.0.0.1'],
    ['IPv4-mapped', '::ffff:169.254.169.254'],
    ['6to4 of 127.0.0.1', '2002:7f00:1::'],
    ['6to4 of 10.0.0.1', '2002:a00:1::1'],
    ['Teredo with a loopback client', '2001:0:4136:e378:8000:63bf:80ff:fffe'],
    ['documentation prefix', '2001:db8::1'],
    ['site-local (deprecated)', 'fec0::1'],
    ['IPv4 reserved', '240.0.0.1'],
    ['IPv4 broadcast', '255.255.255.255'],
  ])('refuses %s (%s)', (_form, ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    ['6to4 of a public address', '2002:808:808::1'],
    ['NAT64 to a public address', '64:ff9b::808:808'],
    ['native public IPv6', '2a00:1450:4001:82a::200e'],
  ])('accepts %s (%s)', (_form, ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it.each([
    'http://[::127.0.0.1]/x',
    'http://[64:ff9b::127.0.0.1]/x',
    'http://[::ffff:0:127.0.0.1]/x',
    'http://[2002:7f00:1::]/x',
    'http://2130706433/x',
    'http://0x7f.1/x',
  ])('refuses the URL %s', async (url) => {
    await expect(checkTargetUrl(url, [])).rejects.toThrow(TargetRefusedError);
  });

  it('tells a tenant user to ask the operator, never the name of a server setting', async () => {
    const e = await checkTargetUrl('http://10.0.0.5/hook', []).catch((err: Error) => err);
    expect(e).toBeInstanceOf(TargetRefusedError);
    expect((e as Error).message).toMatch(/ask your Meridian operator/);
    expect((e as Error).message).not.toMatch(/MERIDIAN_|allowTargets/);
  });

  it('a name that does not resolve right now is a TargetUnresolvedError (saving warns), not a refusal', async () => {
    const failing = async () => {
      throw Object.assign(new Error('queryA ETIMEOUT hooks.example'), { code: 'ETIMEOUT' });
    };
    const e = await checkTargetHost('hooks.example', [], failing).catch((err: Error) => err);
    expect(e).toBeInstanceOf(TargetUnresolvedError);
    await expect(checkTargetHost('hooks.example', [], async () => ['10.1.1.1'])).rejects.not.toBeInstanceOf(TargetUnresolvedError);
  });
});

describe('channel sender: redirects', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const listen = (handler: Parameters<typeof createServer>[1]) =>
    new Promise<number>((resolve) => {
      const s = createServer(handler);
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });

  it('does not follow a redirect: a 3xx is a failed delivery and the Location is never requested', async () => {
    let internalHits = 0;
    const internal = await listen((_req, res) => {
      internalHits++;
      res.end('secret');
    });
    const hook = await listen((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${internal}/admin` });
      res.end();
    });
    const sender = new ChannelSender({ allowTargets: ['127.0.0.1'] });
    const message: AlertMessage = {
      kind: 'firing',
      tenantSlug: 'acme',
      region: 'ap-northeast-1',
      ruleId: '00000000-0000-4000-8000-000000000000',
      ruleName: 'slow',
      severity: 'warning',
      metricLabel: 'p95 latency',
      unit: 'ms',
      direction: 'above',
      threshold: 500,
      value: 812,
      service: 'orders',
      endpoint: 'GET /orders',
      since: '2026-01-01T00:00:00.000Z',
      at: '2026-01-01T00:05:00.000Z',
      link: 'https://m.example.com/',
    };
    await expect(sender.send({ kind: 'webhook', url: `http://127.0.0.1:${hook}/hook`, secret: 's' }, message)).rejects.toThrow(/answered 307/);
    expect(internalHits).toBe(0);
  });
});
