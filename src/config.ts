// llrecon's settings: one table (src/config/settings.ts) from which reading and checking, the banner summary and
// the README's configuration table are derived. This module is the stable import path for the rest of the code.
export { describeConfig } from './config/describe.js';
export { loadConfig } from './config/load.js';
export { maskUrl } from './config/mask.js';
export { ConfigError, ROLES, type Config, type LianLianEnv, type LoadConfigOptions, type Role } from './config/types.js';
