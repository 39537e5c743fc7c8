export { AccountsModule } from './accounts.module';
export { type AccountsOptions, type IngestLimitDefaults, type RegionInfo } from './accounts-options';
