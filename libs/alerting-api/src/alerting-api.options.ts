import type { AlertChannelOptions } from '@meridian/alert-channels';

export const ALERTING_API_OPTIONS = Symbol('AlertingApiOptions');

export interface AlertingApiOptions extends AlertChannelOptions {
  /** Where users open the UI: a channel test's hitmap link points here. */
  publicUrl: string;
  /** Rules one tenant may have (create and import answer 400 beyond). */
  maxRulesPerTenant: number;
}
