export { configSchema, type MeridianConfig, type RegionConfig } from './config.schema';
export { ConfigError, configWarnings, defaultConfig, loadConfig } from './load-config';
