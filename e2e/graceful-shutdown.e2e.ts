/**
 * SIGTERM while clients are sending: the all-in-one server stops taking requests, answers the ones
 * in flight, drains its bus into ClickHouse and exits 0. Every span of a request answered 2xx is
 * then in the store exactly once, read both from the stopped store and through the restarted api.
 */
import { spawn } from 'node:child_process';
import { ApiClient, startMeridian, startTenantFixture } from '@meridian/testing';
import { startOtlpLoad, storedSpanCopies } from './support/otlp-load';
import { sleep } from './support/until';

describe('graceful shutdown under load', () => {
  it('SIGTERM mid-stream loses no accepted span and doubles none', async () => {
    const server = await startMeridian();
    const load = startOtlpLoad({ ports: () => [server.ports.http], key: server.ingestKey, concurrency: 4 });
    try {
      await load.acceptedBy(3_000);
      expect(await server.stop()).toBe(0);
    } finally {
      await load.stop();
    }

    const copies = await storedSpanCopies(server.dataDir);
    expect([...copies.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...load.accepted].filter((id) => !copies.has(id))).toEqual([]);
    expect([...copies.keys()].filter((id) => !load.accepted.has(id) && !load.maybe.has(id))).toEqual([]);

    const again = await startMeridian({ dataDir: server.dataDir });
    try {
      const usage = await new ApiClient(again.ports.api, again.apiKey).get<{ spans: number }>('/usage');
      expect(usage.body.spans).toBe(copies.size);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('SIGTERM on a busy machine, with the alerter every 300 ms, the host source and the demo running, exits 0', async () => {
    // Two busy loops on top of whatever else runs: the machine of a loaded CI run.
    const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
    try {
      const fx = await startTenantFixture('shutdown', {
        env: { MERIDIAN_DEMO: '1', MERIDIAN_ALERT_INTERVAL_MS: '300', MERIDIAN_COLLECTOR_HOST_INTERVAL_MS: '1000' },
        timeoutMs: 180_000,
      });
      try {
        for (const key of ['web-down', 'db-down'])
          await fx.owner.call('putAlertRule', {
            params: { tenant: fx.slug },
            body: { key, name: key, metric: 'host_down', windowSeconds: 3600, warning: 2, critical: 600, resourceAttributes: { 'os.type': 'linux' } },
          });
        await sleep(5_000); // evaluations, host readings and demo traffic in flight
      } finally {
        const code = await fx.meridian.stop();
        if (code !== 0)
          console.error(
            fx.meridian
              .output()
              .split('\n')
              .filter((l) => l.includes('shutdown'))
              .join('\n'),
          );
        expect(fx.meridian.output()).toContain('host metrics: this machine every 1000 ms');
        expect(code).toBe(0);
      }
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  }, 300_000);
});
