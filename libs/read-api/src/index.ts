export { ReadApiModule } from './read-api.module';
export { parseWindow } from './query-params';
