export { QueryApiModule } from './query-api.module';
export { parseWindow } from './query-params';
