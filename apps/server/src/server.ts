import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { HostCollectorService } from '@meridian/collector';
import type { MeridianConfig } from '@meridian/config';
import { startDemoKubernetes, startDemoTraffic, type DemoKubernetes, type DemoTraffic } from '@meridian/demo';
import { IntakeServers } from '@meridian/intake';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { AppModule } from './app.module';
import { httpMetrics } from './http-metrics';
import { JsonLogger, requestContext } from './logging';
import { startDemoDatabases } from './demo-app';
import { prepareStart } from './bootstrap';
import { ensureDemoTenant } from './demo-tenant';
import { ReadLimitFilter, readsFollowTheirRequest } from './read-limits';
import { Infra, planRoles, Role } from './roles';
import { applySecurityHeaders } from './security-headers';
import { SHUTDOWN_BUDGET_MS, ShutdownSteps } from './shutdown';
import { mountWebUi } from './web-ui';

/** Starts the requested roles, the demo tenant (and its traffic), and prints where to connect. */
export async function startServer(cfg: MeridianConfig, rolesText: string): Promise<void> {
  const plan = planRoles(cfg, rolesText);
  const { roles, modules } = plan;
  const prepared = prepareStart(cfg, plan);
  const jsonLogger = cfg.server.logFormat === 'json' ? new JsonLogger(roles.join(',')) : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(cfg, plan, prepared), { logger: jsonLogger ?? ['warn', 'error'] });
  // Which proxies may name the client in X-Forwarded-For (req.ip: sign-in throttles, audit rows).
  app.set('trust proxy', cfg.server.trustProxy);
  app.use(requestContext(jsonLogger));
  app.use(httpMetrics(app.get<SelfMetrics>(SELF_METRICS)));
  app.use(readsFollowTheirRequest());
  app.useGlobalFilters(new ReadLimitFilter(app.get<SelfMetrics>(SELF_METRICS)));
  applySecurityHeaders(app);
  const webUi = modules.has(Role.Api) && mountWebUi(app);
  const server = await app.listen(cfg.server.apiPort, cfg.server.host);
  const apiPort = (server.address() as AddressInfo).port;
  const logger = new Logger('meridian');

  let demo: DemoTraffic | undefined;
  let demoApp: { stop(): Promise<void> } | undefined;
  let demoK8s: DemoKubernetes | undefined;
  const lines = [
    `Meridian is running: roles ${roles.join(',')}, data in ${resolve(cfg.dataDir)}`,
    `  API        http://localhost:${apiPort}/api/v1  (health: /healthz, /readyz)`,
  ];
  if (modules.has(Role.Api))
    lines.push(webUi ? `  Web UI     http://localhost:${apiPort}/` : '  Web UI     not built (npm start builds it: node scripts/build-web.js)');
  if (modules.has(Role.Intake)) {
    const { http, grpc } = app.get(IntakeServers).ports;
    lines.push(`  OTLP/HTTP  http://localhost:${http}  (OTEL_EXPORTER_OTLP_ENDPOINT)`, `  OTLP/gRPC  http://localhost:${grpc}`);
    if (modules.has(Infra.ControlPlane)) {
      const keys = await ensureDemoTenant(app, cfg);
      lines.push(`  demo tenant "${cfg.demo.tenantSlug}" in region ${keys.region}; send data with:`);
      lines.push(`MERIDIAN_INGEST_KEY=${keys.ingestKey}`, `MERIDIAN_API_KEY=${keys.apiKey}`);
      if (modules.has(Role.Api)) lines.push(`  sign in to the UI as ${keys.email} / ${keys.password} (or sign up for your own account)`);
      if (cfg.demo.enabled) {
        demo = startDemoTraffic({
          otlpHttpUrl: `http://127.0.0.1:${http}`,
          ingestKey: keys.ingestKey,
          transactionsPerSecond: cfg.demo.transactionsPerSecond,
          log: (m) => logger.warn(`demo traffic: ${m}`),
        });
        lines.push(`  demo traffic: ${cfg.demo.transactionsPerSecond} transactions/s (MERIDIAN_DEMO=0 turns it off)`);
        const started = await startDemoDatabases(app, {
          otlpUrl: `http://127.0.0.1:${http}`,
          ingestKey: keys.ingestKey,
          collector: modules.has(Role.Collector),
          logger,
        });
        demoApp = started;
        lines.push(...started.lines);
        if (modules.has(Role.Collector) && app.get(HostCollectorService).report({ otlpUrl: `http://127.0.0.1:${http}`, ingestKey: keys.ingestKey }))
          lines.push(`  host metrics: this machine every ${cfg.collector.host.intervalMs} ms into the demo tenant (MERIDIAN_COLLECTOR_HOST=0 turns it off)`);
        demoK8s = startDemoKubernetes({ otlpHttpUrl: `http://127.0.0.1:${http}`, ingestKey: keys.ingestKey, log: (m) => logger.warn(`demo kubernetes: ${m}`) });
        lines.push(`  demo kubernetes: ${demoK8s.summary} — generated demo data (meridian.demo=true), not a real cluster`);
      }
    }
  }
  if (modules.has(Role.Collector) && cfg.collector.targets.length > 0) {
    const sending = cfg.collector.ingestKey && cfg.collector.otlpUrl;
    lines.push(
      `  collector: ${cfg.collector.targets.length} configured database(s)${sending ? ` → ${cfg.collector.otlpUrl}` : ' not collected: set MERIDIAN_COLLECTOR_INGEST_KEY and MERIDIAN_COLLECTOR_OTLP_URL'}`,
    );
  }
  if (modules.has(Role.Alerter)) lines.push(`  alerter: evaluating alert rules every ${cfg.alerting.evaluationIntervalMs} ms`);
  lines.push('(Ctrl+C to stop)');
  if (jsonLogger) for (const line of lines) jsonLogger.line('log', line, { context: 'meridian' });
  else console.log(lines.join('\n'));

  const steps = new ShutdownSteps(new Logger('shutdown'));
  steps.watchHooks(app);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: draining and shutting down`);
    // The data producers first (they send to this server's intake), then the app: Nest stops
    // the intake, the alerter and the ingester's drain, then closes the databases.
    void steps.closeWithin(SHUTDOWN_BUDGET_MS, async () => {
      await steps.run('demo traffic', () => demo?.stop().catch(() => undefined));
      await steps.run('demo app', () => demoApp?.stop().catch(() => undefined));
      await steps.run('demo kubernetes', () => demoK8s?.stop().catch(() => undefined));
      await steps.run('application', () => app.close());
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
