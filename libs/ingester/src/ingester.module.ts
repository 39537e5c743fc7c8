import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { BUS, type Bus } from '@meridian/bus';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { IngesterService, type IngesterOptions, type RowSink } from './ingester.service';

export type IngesterModuleOptions = Omit<IngesterOptions, 'log' | 'sleep' | 'metrics'>;
/** DI token of the storage writer the ingester inserts through. */
export const ROW_SINK = Symbol('RowSink');
const INGESTER_OPTIONS = Symbol('IngesterModuleOptions');

@Injectable()
export class IngesterRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ingester');
  readonly service: IngesterService;

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(ROW_SINK) sink: RowSink,
    @Inject(INGESTER_OPTIONS) opts: IngesterModuleOptions,
    @Optional() @Inject(SELF_METRICS) metrics?: SelfMetrics,
  ) {
    this.service = new IngesterService(bus, sink, { ...opts, metrics, log: (line) => this.logger.warn(line) });
  }

  onApplicationBootstrap(): void {
    this.service.start();
    this.logger.log('consuming from the bus');
  }

  /** Second shutdown phase (intake already stopped): store everything accepted, then stop. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.service.stop();
  }
}

@Module({})
export class IngesterModule {
  static forRoot(options: IngesterModuleOptions): DynamicModule {
    return { module: IngesterModule, providers: [{ provide: INGESTER_OPTIONS, useValue: options }, IngesterRunner], exports: [IngesterRunner] };
  }
}
