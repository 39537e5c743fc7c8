import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { AlertChannelsModule, ChannelSender, SecretBox, type AlertChannelOptions } from '@meridian/alert-channels';
import { AlertChannelRepository, AlertOutboxRepository, AlertRuleRepository, AlertSilenceRepository } from '@meridian/control-plane';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { AlertQueries, ClickHouseClients } from '@meridian/storage-clickhouse';
import { Alerter, type AlerterSettings } from './alerter';

/** What the alerter role is built from: its settings and how to reach channels. */
export type AlerterOptions = AlertChannelOptions & AlerterSettings;

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

/** The alerter role: the evaluation and delivery loops (control-plane repositories and ClickHouse from the infrastructure). */
@Module({})
export class AlerterModule {
  static forRoot(options: AlerterOptions): DynamicModule {
    const logger = new Logger('alerter');
    return {
      module: AlerterModule,
      imports: [AlertChannelsModule.forRoot(options)],
      providers: [
        {
          provide: Alerter,
          useFactory: (
            rules: AlertRuleRepository,
            channels: AlertChannelRepository,
            outbox: AlertOutboxRepository,
            silences: AlertSilenceRepository,
            ch: ClickHouseClients,
            box: SecretBox,
            sender: ChannelSender,
            metrics?: SelfMetrics,
          ) =>
            new Alerter({
              ...options,
              rules,
              channels,
              outbox,
              silences,
              queries: new AlertQueries(ch),
              box,
              sender,
              metrics,
              log: (level, line) => logger[level](line),
            }),
          inject: [
            AlertRuleRepository,
            AlertChannelRepository,
            AlertOutboxRepository,
            AlertSilenceRepository,
            ClickHouseClients,
            SecretBox,
            ChannelSender,
            { token: SELF_METRICS, optional: true },
          ],
        },
        AlerterLifecycle,
      ],
    };
  }
}
