export { AlerterModule, type AlerterOptions } from './alerter.module';
export { Alerter, type AlerterDeps } from './alerter';
