import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AlertingConfigService, type Answer, type InputOf } from './alerting-config.service';

/** Alert rules, channels, silences, history and deliveries of the caller's tenant. */
@Controller()
export class AlertingController {
  constructor(@Inject(AlertingConfigService) private readonly alerting: AlertingConfigService) {}

  @Endpoint(R.listAlertRules)
  listRules(@TenantOf() t: TenantAccess): Answer<'listAlertRules'> {
    return this.alerting.listRules(t);
  }

  @Endpoint(R.putAlertRule)
  putRule(@TenantOf() t: TenantAccess, @Input() { body }: InputOf<'putAlertRule'>): Answer<'putAlertRule'> {
    return this.alerting.putRule(t, body);
  }

  @Endpoint(R.getAlertRule)
  getRule(@TenantOf() t: TenantAccess, @Input() { params }: InputOf<'getAlertRule'>): Answer<'getAlertRule'> {
    return this.alerting.getRule(t, params.ruleId);
  }

  @Endpoint(R.deleteAlertRule)
  deleteRule(@TenantOf() t: TenantAccess, @Input() { params }: InputOf<'deleteAlertRule'>): Promise<void> {
    return this.alerting.deleteRule(t, params.ruleId);
  }

  @Endpoint(R.alertRuleHistory)
  history(@TenantOf() t: TenantAccess, @Input() { params, query }: InputOf<'alertRuleHistory'>): Answer<'alertRuleHistory'> {
    return this.alerting.history(t, params.ruleId, query.limit);
  }

  @Endpoint(R.listFiringAlerts)
  firing(@TenantOf() t: TenantAccess): Answer<'listFiringAlerts'> {
    return this.alerting.firing(t);
  }

  @Endpoint(R.listAlertChannels)
  listChannels(@TenantOf() t: TenantAccess): Answer<'listAlertChannels'> {
    return this.alerting.listChannels(t);
  }

  @Endpoint(R.putAlertChannel)
  putChannel(@TenantOf() t: TenantAccess, @Input() { body }: InputOf<'putAlertChannel'>): Answer<'putAlertChannel'> {
    return this.alerting.putChannel(t, body);
  }

  @Endpoint(R.deleteAlertChannel)
  deleteChannel(@TenantOf() t: TenantAccess, @Input() { params }: InputOf<'deleteAlertChannel'>): Promise<void> {
    return this.alerting.deleteChannel(t, params.channelId);
  }

  @Endpoint(R.testAlertChannel)
  testChannel(@TenantOf() t: TenantAccess, @Input() { params }: InputOf<'testAlertChannel'>): Answer<'testAlertChannel'> {
    return this.alerting.testChannel(t, params.channelId);
  }

  @Endpoint(R.listAlertDeliveries)
  deliveries(@TenantOf() t: TenantAccess, @Input() { query }: InputOf<'listAlertDeliveries'>): Answer<'listAlertDeliveries'> {
    return this.alerting.deliveries(t, query);
  }

  @Endpoint(R.listAlertSilences)
  listSilences(@TenantOf() t: TenantAccess): Answer<'listAlertSilences'> {
    return this.alerting.listSilences(t);
  }

  @Endpoint(R.createAlertSilence)
  createSilence(@TenantOf() t: TenantAccess, @Input() { body }: InputOf<'createAlertSilence'>): Answer<'createAlertSilence'> {
    return this.alerting.createSilence(t, body);
  }

  @Endpoint(R.deleteAlertSilence)
  deleteSilence(@TenantOf() t: TenantAccess, @Input() { params }: InputOf<'deleteAlertSilence'>): Promise<void> {
    return this.alerting.deleteSilence(t, params.silenceId);
  }

  @Endpoint(R.exportAlerting)
  exportAll(@TenantOf() t: TenantAccess): Answer<'exportAlerting'> {
    return this.alerting.exportAll(t);
  }

  @Endpoint(R.importAlerting)
  importAll(@TenantOf() t: TenantAccess, @Input() { body }: InputOf<'importAlerting'>): Answer<'importAlerting'> {
    return this.alerting.importAll(t, body);
  }
}
