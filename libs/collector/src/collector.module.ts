import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DbCollector } from './db-collector';
import type { HostSourceConfig } from './host/host-collector';
import { HOST_SOURCE_CONFIG, HOST_SOURCE_TARGET, HostCollectorService } from './host/host-collector.service';
import type { DbTarget, DbTargetConfig } from './targets';

/** The `collector` section of the configuration. */
export interface CollectorRoleConfig {
  otlpUrl?: string;
  ingestKey?: string;
  intervalMs: number;
  targets: DbTargetConfig[];
  /** The built-in `host` source: this machine's /proc and /sys as hostmetrics-receiver metrics. */
  host: HostSourceConfig;
}

const COLLECTOR_CONFIG = Symbol('CollectorRoleConfig');

/**
 * Runs DbCollectors for the collector role: one for the configured targets (when an intake URL
 * and ingest key are configured), and one per other tenant key asked for at run time (the demo
 * monitors its own databases with the demo tenant's key through the local intake).
 */
@Injectable()
export class DbCollectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('db-collector');
  private readonly collectors = new Map<string, DbCollector>();

  constructor(@Inject(COLLECTOR_CONFIG) private readonly cfg: CollectorRoleConfig) {}

  onApplicationBootstrap(): void {
    const { otlpUrl, ingestKey, targets } = this.cfg;
    if (otlpUrl && ingestKey) {
      this.monitor({ otlpUrl, ingestKey, targets });
    } else if (targets.length > 0) {
      this.logger.warn(
        `${targets.length} database target(s) configured but ${otlpUrl ? '' : 'MERIDIAN_COLLECTOR_OTLP_URL '}${ingestKey ? '' : 'MERIDIAN_COLLECTOR_INGEST_KEY '}not set: not collecting`,
      );
    }
  }

  /** Collects `targets` into the tenant of `ingestKey` through the intake at `otlpUrl`. */
  monitor(opts: { otlpUrl: string; ingestKey: string; targets: readonly DbTargetConfig[] }): void {
    const key = `${opts.otlpUrl}\n${opts.ingestKey}`;
    const running = this.collectors.get(key);
    if (running) {
      running.addTargets(opts.targets);
      return;
    }
    const collector = new DbCollector({ ...opts, intervalMs: this.cfg.intervalMs, log: (m) => this.logger.warn(m) });
    this.collectors.set(key, collector);
    collector.start();
  }

  /** What is being monitored (credentials redacted). */
  targets(): Array<Omit<DbTarget, 'url'>> {
    return [...this.collectors.values()].flatMap((c) => c.targets());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.collectors.values()].map((c) => c.stop()));
    this.collectors.clear();
  }
}

@Module({})
export class CollectorModule {
  static forRoot(cfg: CollectorRoleConfig): DynamicModule {
    return {
      module: CollectorModule,
      providers: [
        { provide: COLLECTOR_CONFIG, useValue: cfg },
        { provide: HOST_SOURCE_CONFIG, useValue: cfg.host },
        { provide: HOST_SOURCE_TARGET, useValue: { otlpUrl: cfg.otlpUrl, ingestKey: cfg.ingestKey } },
        DbCollectorService,
        HostCollectorService,
      ],
      exports: [DbCollectorService, HostCollectorService],
    };
  }
}
