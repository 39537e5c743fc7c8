import { type DynamicModule, Module } from '@nestjs/common';
import { AlertChannelsModule } from '@meridian/alert-channels';
import { AlertQueries, ClickHouseClients } from '@meridian/storage-clickhouse';
import { ALERTING_API_OPTIONS, type AlertingApiOptions } from './alerting-api.options';
import { AlertingConfigService } from './alerting-config.service';
import { AlertingController } from './alerting.controller';
import { RulePreviewController } from './rule-preview.controller';
import { RulePreviewService } from './rule-preview.service';

/** The alerting REST routes (control-plane repositories from ControlPlaneModule, ClickHouseClients from the app, the auth guard from AuthModule). */
@Module({})
export class AlertingApiModule {
  static forRoot(options: AlertingApiOptions): DynamicModule {
    return {
      module: AlertingApiModule,
      imports: [AlertChannelsModule.forRoot(options)],
      controllers: [AlertingController, RulePreviewController],
      providers: [
        { provide: ALERTING_API_OPTIONS, useValue: options },
        AlertingConfigService,
        { provide: AlertQueries, useFactory: (c: ClickHouseClients) => new AlertQueries(c), inject: [ClickHouseClients] },
        RulePreviewService,
      ],
    };
  }
}
