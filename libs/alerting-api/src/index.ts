export { AlertingApiModule } from './alerting-api.module';
export { type AlertingApiOptions } from './alerting-api.options';
