import { join, resolve } from 'node:path';
import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { BUS, type Bus } from '@meridian/bus';
import type { MeridianConfig } from '@meridian/config';
import { ControlPlaneDb, ControlPlaneModule, IngestKeyRepository, UsageRepository } from '@meridian/control-plane';
import { ROW_SINK } from '@meridian/ingester';
import { INGEST_KEY_VERIFIER, type IngestKeyVerifier, USAGE_SINK, type UsageSink } from '@meridian/intake';
import { ClickHouseClients, migrateRegion, RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { createSelfMetrics, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { createBus } from './bus-factory';
import { Infra, type InfraName } from './roles';

/** Closes what the infrastructure opened, last in the shutdown sequence. */
@Injectable()
class InfrastructureShutdown implements OnApplicationShutdown {
  constructor(@Inject('closers') private readonly closers: Array<() => Promise<void>>) {}
  async onApplicationShutdown(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch((e) => new Logger('shutdown').error(String(e)));
  }
}

/**
 * Shared infrastructure (control plane, ClickHouse per region, bus), built only when a requested
 * role (or CLI command, see command-infrastructure.ts) needs it, and exposed to the role modules
 * through DI tokens. The only place that knows which implementation backs each port.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(cfg: MeridianConfig, needs: ReadonlySet<InfraName>): DynamicModule {
    const dataDir = resolve(cfg.dataDir);
    const closers: Array<() => Promise<void>> = [];
    const providers: Provider[] = [
      { provide: 'closers', useValue: closers },
      InfrastructureShutdown,
      { provide: SELF_METRICS, useFactory: () => createSelfMetrics({ processMetrics: true }) },
    ];

    const imports: DynamicModule[] = [];
    if (needs.has(Infra.ControlPlane)) {
      imports.push(
        ControlPlaneModule.forRoot(async () => {
          const db = await ControlPlaneDb.open({ databaseUrl: cfg.controlPlane.databaseUrl, pgliteDir: join(dataDir, 'control-plane') });
          closers.push(() => db.close());
          await db.migrate();
          return db;
        }),
      );
      providers.push(
        {
          provide: INGEST_KEY_VERIFIER,
          useFactory: (keys: IngestKeyRepository): IngestKeyVerifier => ({ verify: (k) => keys.verify(k, 'ingest') }),
          inject: [IngestKeyRepository],
        },
        // Intake's metered usage (per tenant, day, signal) is added to the control plane's counters.
        { provide: USAGE_SINK, useFactory: (usage: UsageRepository): UsageSink => usage, inject: [UsageRepository] },
      );
    }

    if (needs.has(Infra.ClickHouse)) {
      providers.push(
        {
          provide: ClickHouseClients,
          useFactory: async () => {
            const clients = new ClickHouseClients({
              embeddedDataDir: join(dataDir, 'clickhouse'),
              embeddedEngine: cfg.embeddedClickHouse,
              reads: cfg.reads,
              regions: cfg.regions.map((r) => ({ id: r.id, database: r.clickhouse.database, clickhouse: r.clickhouse })),
            });
            closers.push(() => clients.close());
            for (const region of cfg.regions) {
              try {
                await migrateRegion(clients.forRegion(region.id));
              } catch (e) {
                throw new Error(`failed to migrate ClickHouse schema of region ${region.id}: ${(e as Error).message}`);
              }
            }
            return clients;
          },
        },
        { provide: RowWriter, useFactory: (c: ClickHouseClients) => new RowWriter(c), inject: [ClickHouseClients] },
        { provide: ROW_SINK, useExisting: RowWriter },
        { provide: TelemetryQueries, useFactory: (c: ClickHouseClients) => new TelemetryQueries(c), inject: [ClickHouseClients] },
      );
    }

    if (needs.has(Infra.Bus)) {
      providers.push({
        provide: BUS,
        useFactory: (metrics: SelfMetrics): Bus => {
          const logger = new Logger('bus');
          const bus = createBus(cfg, { metrics, log: (level, line) => (level === 'info' ? logger.log(line) : logger[level](line)) });
          closers.push(() => bus.close());
          return bus;
        },
        inject: [SELF_METRICS],
      });
    }

    return { module: InfrastructureModule, imports, providers, exports: providers.filter((p) => p !== InfrastructureShutdown) };
  }
}
