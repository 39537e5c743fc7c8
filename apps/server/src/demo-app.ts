import type { INestApplication, Logger } from '@nestjs/common';
import { DbCollectorService } from '@meridian/collector';
import { startDemoApp, type DemoApp } from '@meridian/demo';

/**
 * The demo app (real services on PostgreSQL/MariaDB with OpenTelemetry auto-instrumentation)
 * for the demo tenant, with the collector role monitoring its databases. A demo that cannot
 * start (no PostgreSQL and PGlite failing) is logged and skipped: the rest of Meridian runs.
 */
export async function startDemoDatabases(
  app: INestApplication,
  opts: { otlpUrl: string; ingestKey: string; collector: boolean; logger: Logger },
): Promise<{ lines: string[]; stop(): Promise<void> }> {
  let demo: DemoApp;
  try {
    demo = await startDemoApp({ otlpUrl: opts.otlpUrl, ingestKey: opts.ingestKey, log: () => undefined });
  } catch (e) {
    opts.logger.warn(`demo app not started: ${(e as Error).message}`);
    return { lines: [], stop: async () => undefined };
  }
  const dbs = `${demo.postgres === 'server' ? 'PostgreSQL 127.0.0.1:5432' : 'PGlite (no PostgreSQL at 127.0.0.1:5432)'}${demo.mariadb ? ', MariaDB 127.0.0.1:3306' : ''}`;
  const lines = [`  demo app: storefront ${demo.storefrontUrl} on ${dbs}; N+1 at GET /orders/recent, lock waits at POST /checkout/SKU-0001`];
  if (opts.collector) {
    app.get(DbCollectorService).monitor({ otlpUrl: opts.otlpUrl, ingestKey: opts.ingestKey, targets: demo.databases });
    lines.push(`  collector: monitoring ${demo.databases.map((d) => d.name).join(', ')} (Databases page)`);
  }
  return { lines, stop: () => demo.stop() };
}
