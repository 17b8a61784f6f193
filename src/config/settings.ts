// Every setting llrecon reads, in one table: the order here is the order of problem lines, of the banner and of
// the README's configuration table (`npm run docs:config` writes it; test/config-readme.test.ts keeps it in step).
// A new setting is one entry here plus its property in Config (types.ts).
import { PREAUTH_QUERY_URL, TRADER_API_URL } from '../lianlian/endpoints.js';
import { proxyList, usersFile } from '../auth/setting-parsers.js';
import { sourceCidrList } from '../http/source-address.js';
import { LOG_LEVELS } from '../log.js';
import { webhookSecretKey } from '../webhooks/standard-webhooks.js';
import { maskUrl } from './mask.js';
import { boolean, directory, duration, durationList, integer, keyText, oneOf, roles, text, url } from './parsers.js';
import { SENTINEL_SETTINGS, SENTINEL_URL_UNSET } from './sentinel-settings.js';
import { SETTLEMENT_SETTINGS } from './settlement-settings.js';
import { requiredWith, setting, SettingProblem, type Parser, type Setting } from './setting.js';
import type { LianLianEnv } from './types.js';

const MIN_ADMIN_TOKEN_CHARS = 24;
const MIN_WEBHOOK_SECRET_BYTES = 24;
const HTTP = ['https:', 'http:'];

/** The webhook secret, paired with the URL read before it: the sink, or null while either is missing. */
const webhookSecret: Parser<{ url: string; secret: string } | null> = {
  parse(secret, ctx) {
    const key = webhookSecretKey(secret);
    if (key === null || key.length < MIN_WEBHOOK_SECRET_BYTES)
      throw new SettingProblem(`must be "whsec_" followed by base64 of at least ${MIN_WEBHOOK_SECRET_BYTES} random bytes`);
    const sinkUrl = ctx.value('EVENTS_WEBHOOK_URL');
    return typeof sinkUrl === 'string' ? { url: sinkUrl, secret } : null;
  },
  format: () => '(set, masked)',
};

export const SETTINGS: readonly Setting[] = [
  setting({
    name: 'LIANLIAN_ENV',
    field: 'env',
    meaning: '`sandbox` or `production`',
    default: 'sandbox',
    parser: oneOf<LianLianEnv>(['sandbox', 'production']),
  }),
  setting({
    name: 'LIANLIAN_OID_PARTNER',
    field: 'oidPartner',
    meaning: 'merchant id (18 digits)',
    unset: 'sandbox: generated',
    requiredInProduction: 'the 18-digit merchant id LianLian assigned',
    parser: text((v) => (/^\d{18}$/.test(v) ? null : `must be 18 digits (got "${v}")`)),
  }),
  setting({
    name: 'LIANLIAN_PLATFORM',
    field: 'platform',
    meaning: "default `platform` sent with every query (seed `000_…`); an order's own `platform` wins",
    unset: 'none sent',
    parser: text((v) => (v.length <= 32 ? null : 'must be at most 32 characters')),
  }),
  setting({
    name: 'LIANLIAN_PRIVATE_KEY',
    field: 'privateKeyText',
    meaning: 'your RSA private key: PEM (PKCS#1 or PKCS#8) or bare base64 PKCS#8',
    unset: 'sandbox: generated',
    file: true,
    secret: true,
    requiredInProduction: "the merchant's RSA private key",
    parser: keyText('private'),
  }),
  setting({
    name: 'LIANLIAN_PUBLIC_KEY',
    field: 'publicKeyText',
    meaning: "LianLian's RSA public key: PEM or bare base64 X.509",
    unset: "sandbox: the simulator's",
    file: true,
    requiredInProduction: "LianLian's RSA public key",
    parser: keyText('public'),
  }),
  setting({
    name: 'LIANLIAN_QUERY_URL',
    field: 'queryUrl',
    meaning: 'pre-auth query endpoint',
    unset: `production: \`${PREAUTH_QUERY_URL}\`; sandbox: the simulator's`,
    parser: url(HTTP),
    whenUnset: (ctx) => (ctx.production ? PREAUTH_QUERY_URL : null),
    describe: (c) => (c.queryUrl === null ? "sandbox: the simulator's" : maskUrl(c.queryUrl)),
  }),
  setting({
    name: 'REDIS_URL',
    field: 'redisUrl',
    meaning: 'Redis to use',
    unset: 'sandbox: an embedded `redis-server`; production: required unless `REDIS_EMBEDDED=true`',
    parser: url(['redis:', 'rediss:']),
    file: true,
    // through Sentinel, the URL gives only credentials and database: none given, the primary's database 0
    whenUnset: (ctx) => (ctx.raw('REDIS_SENTINELS') !== undefined ? SENTINEL_URL_UNSET : null),
    describe: (c) => (c.redisUrl === null ? 'an embedded redis-server' : maskUrl(c.redisUrl)),
    // production never falls back on the sandbox's Redis quietly (it would poll the sandbox's leftover orders)
    check: (redisUrl, ctx) =>
      redisUrl === null && ctx.raw('REDIS_URL') === undefined && ctx.production && ctx.raw('REDIS_EMBEDDED')?.toLowerCase() !== 'true'
        ? 'required in production: a Redis you run (with maxmemory-policy noeviction and append-only persistence), or REDIS_SENTINELS; the embedded redis-server is for the sandbox (REDIS_EMBEDDED=true runs it in production anyway)'
        : null,
  }),
  setting({
    name: 'REDIS_EMBEDDED',
    field: 'redisEmbedded',
    meaning:
      '`true` lets production run the embedded `redis-server` (`REDIS_URL` unset): its data under `DATA_DIR/redis` and a generated password in `DATA_DIR/redis.password`, readable by this user only',
    default: 'false',
    parser: boolean,
    check: (embedded, ctx) =>
      embedded && (ctx.raw('REDIS_URL') ?? ctx.raw('REDIS_URL_FILE')) !== undefined
        ? 'true needs REDIS_URL unset (it runs the embedded redis-server instead of one you run)'
        : null,
  }),
  setting({
    name: 'REDIS_PREFIX',
    field: 'redisPrefix',
    meaning: 'prefix of every key (queues, orders, events)',
    default: 'llrecon',
    parser: text((v) => (/^[A-Za-z0-9_.-]{1,64}$/.test(v) ? null : `must be 1–64 letters, digits or "_-." (got "${v}")`)),
  }),
  setting({
    name: 'REDIS_CLUSTER',
    field: 'redisCluster',
    meaning: '`true`: `REDIS_URL` is a seed node of a Redis Cluster; keys become `{llrecon}:…`',
    default: 'false',
    parser: boolean,
    check: (cluster, ctx) =>
      cluster && (ctx.raw('REDIS_URL') ?? ctx.raw('REDIS_URL_FILE')) === undefined
        ? 'true needs REDIS_URL naming a seed node of the cluster (the embedded redis-server is not a cluster)'
        : null,
  }),
  ...SENTINEL_SETTINGS,
  setting({
    name: 'HTTP_HOST',
    field: 'httpHost',
    meaning: 'the address the HTTP server listens on',
    default: '127.0.0.1',
    parser: text((v) => (/[\s/]/.test(v) ? `must be a host name or IP address (got "${v}")` : null)),
  }),
  setting({
    name: 'HTTP_PORT',
    field: 'httpPort',
    meaning: 'the port the HTTP server listens on',
    default: '3000',
    parser: integer(0, 65535),
  }),
  setting({
    name: 'NOTIFY_HTTP_PORT',
    field: 'notifyHttpPort',
    meaning:
      'a second listener (on `HTTP_HOST`) that serves only the public callback routes `POST /notify/lianlian` and `POST /notify/lianlian/return` (404 for anything else), so that only it need be reachable by LianLian; served by `api` processes',
    unset: 'one listener',
    parser: integer(0, 65535),
    check: (port, ctx) =>
      port !== null && port !== 0 && port === ctx.value('HTTP_PORT') ? 'must differ from HTTP_PORT (it is a second listener)' : null,
  }),
  setting({
    name: 'TRUST_PROXY',
    field: 'trustProxy',
    meaning:
      'the reverse proxies whose `X-Forwarded-For`/`-Proto`/`-Host` are believed (TLS ended in front of llrecon): a comma list of addresses, CIDRs, or `loopback`, `linklocal`, `uniquelocal`; the client address (sign-in throttling), `Secure` cookies and the CSRF origin check then follow the forwarded values',
    unset: 'the peer is the client',
    parser: proxyList,
  }),
  setting({
    name: 'NOTIFY_ALLOWED_SOURCES',
    field: 'notifyAllowedSources',
    meaning:
      "the only source addresses `POST /notify/lianlian` and `POST /notify/lianlian/return` accept (others: `403`): a comma list of addresses and CIDRs, IPv4 or IPv6 — LianLian's notification servers, and the merchant site that forwards `url_return`; behind `TRUST_PROXY` the forwarded client address is checked",
    unset: 'any source (forged callbacks are still refused at the door)',
    parser: sourceCidrList,
  }),
  setting({
    name: 'ADMIN_TOKEN',
    field: 'adminToken',
    meaning: `bearer token for the orders API and the dashboard, of one operator named \`admin\`; in production at least ${MIN_ADMIN_TOKEN_CHARS} characters, never printed`,
    unset: 'sandbox: generated into `./.data/admin_token`; production: required unless `ADMIN_USERS_FILE` is set',
    secret: true,
    parser: text((v) => (/\s/.test(v) ? 'must not contain whitespace' : null)),
    check: (token, ctx) =>
      token === null
        ? ctx.production && ctx.raw('ADMIN_USERS_FILE') === undefined
          ? `required in production unless ADMIN_USERS_FILE is set (at least ${MIN_ADMIN_TOKEN_CHARS} characters, e.g. openssl rand -base64 32)`
          : null
        : ctx.production && token.length < MIN_ADMIN_TOKEN_CHARS
          ? `must be at least ${MIN_ADMIN_TOKEN_CHARS} characters in production (e.g. openssl rand -base64 32)`
          : null,
    describe: (c) =>
      c.adminToken !== null
        ? '(set, masked)'
        : c.env === 'sandbox'
          ? `sandbox: generated, kept under ${c.dataDir}`
          : 'unset (ADMIN_USERS_FILE only)',
  }),
  setting({
    name: 'ADMIN_USERS_FILE',
    field: 'adminUsersFile',
    meaning:
      "named users of the API and the dashboard: a JSON or YAML list of `{name, token_sha256, role}` (role `viewer`: read; `operator`: also change — track, re-query, dashboard retry/promote); each sends their own token, llrecon keeps only its SHA-256; the audit trail records the name; re-read when it changes (a removed user or a changed token ends that user's sessions)",
    unset: '`ADMIN_TOKEN` alone: one operator named `admin`',
    parser: usersFile,
  }),
  setting({
    name: 'QUERY_RATE_PER_SEC',
    field: 'queryRatePerSec',
    meaning: 'at most this many queries reach LianLian in any sliding one-second window, across all processes',
    default: '5',
    parser: integer(1, 100_000),
  }),
  setting({
    name: 'QUERY_TIMEOUT',
    field: 'queryTimeoutMs',
    meaning: 'how long one query may take before it counts as a transport failure',
    default: '10s',
    parser: duration(1),
  }),
  setting({
    name: 'QUERY_CONCURRENCY',
    field: 'queryConcurrency',
    meaning: 'queries in flight per process',
    default: '16',
    parser: integer(1, 10_000),
  }),
  setting({
    name: 'POLL_SCHEDULE',
    field: 'pollSchedule',
    meaning: 'delays before each successive query of an order, e.g. `5s,15s,30s,1m,2m,5m,10m,30m` (see below)',
    unset: 'the built-in policy',
    parser: durationList,
  }),
  setting({
    name: 'TRACKING_HORIZON',
    field: 'trackingHorizonMs',
    meaning: 'how long after tracking began an order without a final code becomes `abandoned`',
    unset: "one day after the hold's deadline (`dt_order` + `valid_order`), per order",
    parser: duration(1),
  }),
  setting({
    name: 'EVENTS_RETENTION',
    field: 'eventsRetentionMs',
    meaning: 'events older than this are trimmed from the stream (by age, never by count)',
    default: '7d',
    parser: duration(1),
  }),
  setting({
    name: 'ORDERS_RETENTION',
    field: 'ordersRetentionMs',
    meaning:
      "how long an order's record (with its history and timeline) is kept after it became final or was untracked; then a sweep of the `query` role removes it (its events follow `EVENTS_RETENTION`)",
    default: '90d',
    parser: duration(1),
  }),
  setting({
    name: 'NOT_FOUND_GRACE',
    field: 'notFoundGraceMs',
    meaning: 'how long `8901` (no record) counts as "not yet" before it raises an alert',
    default: '30m',
    parser: duration(0),
  }),
  setting({
    name: 'ROLES',
    field: 'roles',
    meaning: 'what this process runs: a comma list of `api`, `query`, `notify`',
    default: 'api,query,notify',
    parser: roles,
  }),
  setting({
    name: 'LOG_LEVEL',
    field: 'logLevel',
    meaning: 'pino level (`fatal` … `trace`, `silent`)',
    default: 'info',
    parser: oneOf(LOG_LEVELS),
  }),
  setting({
    name: 'EVENTS_WEBHOOK_URL',
    meaning: 'optional: POST every event there, signed (see [Events and webhooks](#events-and-webhooks))',
    unset: 'off',
    parser: url(HTTP),
    check: requiredWith('EVENTS_WEBHOOK_SECRET'),
    describe: (c) => (c.webhook === null ? 'off' : maskUrl(c.webhook.url)),
  }),
  setting({
    name: 'EVENTS_WEBHOOK_SECRET',
    field: 'webhook',
    meaning: `the webhook's signing secret: \`whsec_\` + base64 of at least ${MIN_WEBHOOK_SECRET_BYTES} random bytes`,
    unset: 'off',
    secret: true,
    parser: webhookSecret,
    check: requiredWith('EVENTS_WEBHOOK_URL', 'whsec_ followed by base64'),
  }),
  setting({
    name: 'DATA_DIR',
    field: 'dataDir',
    meaning: 'where sandbox keys, the generated admin token and the embedded Redis live',
    default: './.data',
    parser: directory,
  }),
  ...SETTLEMENT_SETTINGS,
  setting({
    name: 'ACTIONS_ENABLED',
    field: 'actionsEnabled',
    meaning: '`true` lets operators (and hold policies) send capture and void requests to LianLian; otherwise llrecon never moves money',
    default: 'false',
    parser: boolean,
  }),
  setting({
    name: 'LIANLIAN_TRADER_URL',
    field: 'traderUrl',
    meaning: 'base of the capture (`preauthComplete.htm`) and void (`preauthCancel.htm`) endpoints',
    unset: `production: \`${TRADER_API_URL}\`; sandbox: the simulator's`,
    parser: url(HTTP),
    whenUnset: (ctx) => (ctx.production ? TRADER_API_URL : null),
    describe: (c) => (c.traderUrl === null ? "sandbox: the simulator's" : maskUrl(c.traderUrl)),
  }),
  setting({
    name: 'HOLD_ACTION_LEAD',
    field: 'holdActionLeadMs',
    meaning: "how long before the hold's deadline an order's `on_hold_expiry` action is sent",
    default: '2h',
    parser: duration(0),
  }),
  setting({
    name: 'HOLD_WARNING',
    field: 'holdWarningMs',
    meaning: "how long before an authorized order's hold deadline (`dt_order` + `valid_order`) it is flagged `preauth.hold_expiring`",
    default: '24h',
    parser: duration(0),
  }),
];
