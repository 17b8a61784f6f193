// The shape of llrecon's settings once read, and the error that lists what is wrong with them.
import { LlreconError } from '../errors.js';
import type { LogLevel } from '../log.js';

/** What a process runs: the HTTP server, the query workers, the notify workers. */
export type Role = 'api' | 'query' | 'notify';
export const ROLES: readonly Role[] = ['api', 'query', 'notify'];

export type LianLianEnv = 'sandbox' | 'production';

/** The settings of one llrecon process. Durations are milliseconds. Each property comes from src/config/settings.ts. */
export interface Config {
  env: LianLianEnv;
  /** Merchant id (18 digits); null in sandbox when unset (the sandbox generates one). */
  oidPartner: string | null;
  /** `LIANLIAN_PLATFORM`: the default `platform` of every query. */
  platform: string | null;
  /** Merchant RSA private key as given: PEM (PKCS#1 or #8) or bare base64 PKCS#8. */
  privateKeyText: string | null;
  /** LianLian's RSA public key as given: PEM or bare base64 X.509. */
  publicKeyText: string | null;
  /** Pre-auth query endpoint; production default LianLian's, sandbox null (the simulator's). */
  queryUrl: string | null;
  /** null: the daemon starts its own redis-server. */
  redisUrl: string | null;
  /** Production may run the embedded redis-server (REDIS_URL unset). */
  redisEmbedded: boolean;
  redisPrefix: string;
  redisCluster: boolean;
  /** REDIS_SENTINELS: Redis through Sentinel (redisUrl then gives only credentials and database); null: none. */
  redisSentinels: Array<{ host: string; port: number }> | null;
  /** The primary's name in the sentinels' configuration; set whenever redisSentinels is. */
  redisSentinelName: string | null;
  /** The sentinels' own password. */
  redisSentinelPassword: string | null;
  httpHost: string;
  httpPort: number;
  /** Required in production unless adminUsersFile is set; in sandbox null when unset (the daemon generates one). */
  adminToken: string | null;
  /** ADMIN_USERS_FILE, absolute; null: ADMIN_TOKEN alone. */
  adminUsersFile: string | null;
  /** TRUST_PROXY: addresses, CIDRs or proxy-addr range names; null: no proxy is trusted. */
  trustProxy: string[] | null;
  /** NOTIFY_HTTP_PORT: the callbacks-only listener's port; null: none. */
  notifyHttpPort: number | null;
  /** NOTIFY_ALLOWED_SOURCES: addresses and CIDRs the callback routes accept; null: any. */
  notifyAllowedSources: string[] | null;
  queryRatePerSec: number;
  queryTimeoutMs: number;
  queryConcurrency: number;
  /** null: the project's default policy. */
  pollSchedule: number[] | null;
  /** null: `valid_order` + 1 day, per order. */
  trackingHorizonMs: number | null;
  eventsRetentionMs: number;
  /** ORDERS_RETENTION: how long a final or untracked order is kept after it ended. */
  ordersRetentionMs: number;
  notFoundGraceMs: number;
  roles: Set<Role>;
  logLevel: LogLevel;
  /** The optional event webhook sink. */
  webhook: { url: string; secret: string } | null;
  /** Absolute directory for sandbox keys, the generated admin token and the embedded Redis. */
  dataDir: string;
  /** SETTLEMENT_DIR, absolute: watched for LianLian's settlement files; null: no watch. */
  settlementDir: string | null;
  /** SETTLEMENT_SFTP_URL: `sftp://user@host:port/dir`; null: no fetch. */
  settlementSftpUrl: string | null;
  settlementSftpKeyFile: string | null;
  settlementSftpPassword: string | null;
  /** `SHA256:…`, required with settlementSftpUrl. */
  settlementSftpHostKey: string | null;
  settlementEncoding: 'auto' | 'utf-8' | 'gbk';
  settlementPreauthPayTypes: string[];
  settlementGraceMs: number;
  /** ACTIONS_ENABLED: capture and void may be sent to LianLian. */
  actionsEnabled: boolean;
  /** LIANLIAN_TRADER_URL: base of the capture/void endpoints; null in the sandbox (the simulator's). */
  traderUrl: string | null;
  /** HOLD_ACTION_LEAD, ms. */
  holdActionLeadMs: number;
  /** HOLD_WARNING, ms. */
  holdWarningMs: number;
}

/** An invalid configuration: `problems` holds one line per problem, each starting with the variable's name. */
export class ConfigError extends LlreconError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('LLRECON_CONFIG', problems.join('\n'));
    this.problems = problems;
  }

  /** Like LlreconError's brand check, narrowed to configuration errors. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof LlreconError && Array.isArray((value as { problems?: unknown }).problems);
  }
}

export interface LoadConfigOptions {
  /** Where `.env` is looked for and relative paths (`*_FILE`, `DATA_DIR`) start (default process.cwd()). */
  cwd?: string;
}
