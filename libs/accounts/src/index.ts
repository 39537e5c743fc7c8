export { AccountsModule } from './accounts.module';
export { type AccountsOptions, type RegionInfo } from './accounts-options';
