import { type DynamicModule, Module } from '@nestjs/common';
import { AlertChannelsModule } from '@meridian/alert-channels';
import { ALERTING_API_OPTIONS, type AlertingApiOptions } from './alerting-api.options';
import { AlertingConfigService } from './alerting-config.service';
import { AlertingController } from './alerting.controller';

/** The alerting REST routes (control-plane repositories from ControlPlaneModule, the auth guard from AuthModule). */
@Module({})
export class AlertingApiModule {
  static forRoot(options: AlertingApiOptions): DynamicModule {
    return {
      module: AlertingApiModule,
      imports: [AlertChannelsModule.forRoot(options)],
      controllers: [AlertingController],
      providers: [{ provide: ALERTING_API_OPTIONS, useValue: options }, AlertingConfigService],
    };
  }
}
