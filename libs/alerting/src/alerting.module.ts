import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { AlertingRepository, ControlPlaneDb } from '@meridian/control-plane';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { AlertQueries, ClickHouseClients } from '@meridian/storage-clickhouse';
import { Alerter } from './alerter';
import { AlertingController } from './alerting.controller';
import { ALERTING_OPTIONS, type AlertingOptions } from './alerting-options';
import { ChannelSender } from './channel-sender';
import { SecretBox } from './secret-box';

/** Runs the Alerter for the life of the app; stops it before the databases close. */
@Injectable()
class AlerterLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(Alerter) private readonly alerter: Alerter) {}
  onApplicationBootstrap(): void {
    this.alerter.start();
  }
  async beforeApplicationShutdown(): Promise<void> {
    await this.alerter.stop();
  }
}

/**
 * Alerting: `api` mounts the REST routes (needs ControlPlaneDb and the auth guard), `alerter`
 * runs the evaluation/delivery loop (needs ControlPlaneDb and ClickHouseClients).
 */
@Module({})
export class AlertingModule {
  static forRoot(options: AlertingOptions, parts: { api: boolean; alerter: boolean }): DynamicModule {
    const providers: Provider[] = [
      { provide: ALERTING_OPTIONS, useValue: options },
      { provide: SecretBox, useValue: new SecretBox(options.secretsKey) },
      { provide: ChannelSender, useValue: new ChannelSender({ allowTargets: options.allowTargets }) },
    ];
    if (parts.alerter) {
      const logger = new Logger('alerter');
      providers.push(
        {
          provide: Alerter,
          useFactory: (cp: ControlPlaneDb, ch: ClickHouseClients, box: SecretBox, sender: ChannelSender, metrics?: SelfMetrics) =>
            new Alerter({ ...options, repo: new AlertingRepository(cp), queries: new AlertQueries(ch), box, sender, metrics, log: (level, line) => logger[level](line) }),
          inject: [ControlPlaneDb, ClickHouseClients, SecretBox, ChannelSender, { token: SELF_METRICS, optional: true }],
        },
        AlerterLifecycle,
      );
    }
    return { module: AlertingModule, controllers: parts.api ? [AlertingController] : [], providers };
  }
}
