import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HostCollector, type HostSourceConfig } from './host-collector';

export const HOST_SOURCE_CONFIG = Symbol('HostSourceConfig');

/** Where the collector role sends: the configured intake and key, when both are set. */
export interface HostSourceTarget {
  otlpUrl?: string;
  ingestKey?: string;
}

export const HOST_SOURCE_TARGET = Symbol('HostSourceTarget');

/**
 * Runs the host source when `collector.host.enabled`: into the configured intake and tenant key,
 * or, when none is configured, into the tenant the server asks for at start (`npm start` reports
 * this machine into the demo tenant). One host, one collector: the first destination wins.
 */
@Injectable()
export class HostCollectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('host-metrics');
  private collector: HostCollector | undefined;

  constructor(
    @Inject(HOST_SOURCE_CONFIG) private readonly cfg: HostSourceConfig,
    @Inject(HOST_SOURCE_TARGET) private readonly configured: HostSourceTarget,
  ) {}

  onApplicationBootstrap(): void {
    const { otlpUrl, ingestKey } = this.configured;
    if (otlpUrl && ingestKey) this.report({ otlpUrl, ingestKey });
  }

  /** Starts sending this machine's metrics to `otlpUrl` with `ingestKey`; false when off or already sending. */
  report(to: { otlpUrl: string; ingestKey: string }): boolean {
    if (!this.cfg.enabled || this.collector) return false;
    this.collector = new HostCollector({ ...to, intervalMs: this.cfg.intervalMs, topProcesses: this.cfg.topProcesses, log: (m) => this.logger.warn(m) });
    this.collector.start();
    return true;
  }

  /**
   * First shutdown phase, before the intake it may send to stops (the collector module comes
   * after intake in the module map, and modules are destroyed in reverse): the last reading lands.
   */
  async onModuleDestroy(): Promise<void> {
    await this.collector?.stop();
    this.collector = undefined;
  }
}
