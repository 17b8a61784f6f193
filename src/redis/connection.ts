// Redis connections (ioredis 5) shaped for what each use needs from BullMQ 6, and the start-up safety check.
//   worker: BullMQ workers and their blocking commands: `maxRetriesPerRequest: null` (BullMQ refuses a shared
//           connection without it), so a Redis restart pauses work instead of failing it.
//   queue:  producers (Queue.add from the HTTP API and the CLI): `enableOfflineQueue: false`, so that while Redis
//           is down a call fails at once instead of hanging (BullMQ's "failing fast when Redis is down").
//           On a Cluster the offline queue stays on: it reports itself connected before its slots are known,
//           and BullMQ's first commands would be refused in that window.
//   client: everything else (order store, scripts, streams): ioredis defaults, retried across reconnects.
// Through Sentinel (REDIS_SENTINELS), each of them follows the primary across failovers (createSentinelClient).
// Reconnection backs off exponentially from 250 ms to 2 s (plus jitter): a reconnect attempt is cheap, and a
// longer cap would leave the daemon answering 503 long after Redis came back (with a 20 s cap, up to 20 s).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { maskUrl } from '../config/mask.js';
import { LlreconError } from '../errors.js';
import type { Logger } from '../log.js';

/** What a connection is for (see the file head). */
export type RedisPurpose = 'worker' | 'queue' | 'client';

export interface RedisConnectionConfig {
  redisUrl: string;
  /** `true`: redisUrl names a seed node of a Redis Cluster. */
  redisCluster: boolean;
  /** Set: Redis through these sentinels; redisUrl then gives only credentials, TLS and database. */
  redisSentinels?: ReadonlyArray<{ host: string; port: number }> | null;
  /** The primary's name in the sentinels' configuration (required with redisSentinels). */
  redisSentinelName?: string | null;
  redisSentinelPassword?: string | null;
}

/** The connection settings of a configuration, with the Redis URL it resolved (the daemon's, the CLI's). */
export function redisConnectionConfig(
  config: Pick<RedisConnectionConfig, 'redisCluster' | 'redisSentinels' | 'redisSentinelName' | 'redisSentinelPassword'>,
  redisUrl: string,
): RedisConnectionConfig {
  return {
    redisUrl,
    redisCluster: config.redisCluster,
    redisSentinels: config.redisSentinels ?? null,
    redisSentinelName: config.redisSentinelName ?? null,
    redisSentinelPassword: config.redisSentinelPassword ?? null,
  };
}

export interface CreateRedisOptions {
  /** CLIENT SETNAME, to tell connections apart in CLIENT LIST (default `llrecon:<purpose>`). */
  connectionName?: string;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
  /** Called with connection errors (ioredis prints unhandled ones to stderr; it reconnects either way). */
  onError?: (err: Error) => void;
}

/** The longest wait between two reconnect attempts, before jitter. */
export const RECONNECT_CAP_MS = 2_000;

/**
 * Reconnect delay before attempt `times` (1, 2, …): 250 ms doubling to RECONNECT_CAP_MS, plus up to 20 % jitter
 * so that many processes do not knock at the same instant.
 */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  const base = Math.min(250 * 2 ** Math.max(0, times - 1), RECONNECT_CAP_MS);
  return Math.round(base * (1 + 0.2 * random()));
}

function purposeOptions(purpose: RedisPurpose): Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableOfflineQueue'> {
  if (purpose === 'worker') return { maxRetriesPerRequest: null };
  if (purpose === 'queue') return { enableOfflineQueue: false };
  return {};
}

/** Host, port and credentials of a `redis://` / `rediss://` URL, for the Cluster's seed and node connections (and Sentinel's). */
function clusterSeed(redisUrl: string): { host: string; port: number; nodeOptions: RedisOptions } {
  let u: URL;
  try {
    u = new URL(redisUrl);
  } catch {
    throw new LlreconError('LLRECON_CONFIG', 'REDIS_URL: not a redis:// or rediss:// URL');
  }
  const nodeOptions: RedisOptions = {};
  if (u.username) nodeOptions.username = decodeURIComponent(u.username);
  if (u.password) nodeOptions.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') nodeOptions.tls = {};
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 6379, nodeOptions };
}

/**
 * A new connection for one purpose: a Redis, or a Cluster seeded from the URL when `redisCluster` (auth and TLS
 * taken from the URL for every node; no NAT mapping). The caller owns it and closes it with `quit()`.
 */
export function createRedis(config: RedisConnectionConfig, purpose: RedisPurpose, opts: CreateRedisOptions = {}): Redis | Cluster {
  const common: RedisOptions = {
    ...purposeOptions(purpose),
    connectionName: opts.connectionName ?? `llrecon:${purpose}`,
    lazyConnect: opts.lazyConnect ?? false,
  };
  const redis = config.redisCluster
    ? createCluster(config.redisUrl, common)
    : config.redisSentinels?.length
      ? createSentinelClient(config, common)
      : new Redis(config.redisUrl, { ...common, retryStrategy: (times) => reconnectDelay(times) });
  if (opts.onError) redis.on('error', opts.onError);
  return redis;
}

/**
 * A connection to the primary that the sentinels name, followed across failovers: ioredis asks the sentinels
 * again on every reconnect and checks that the node it reached is a primary (a demoted one is left). A write that
 * meets a demoted primary (READONLY) reconnects and is sent again: the replica refused it, nothing was written.
 * BullMQ's connections are duplicates of these, so they follow too. ioredis' `failoverDetector` stays off: with it,
 * BullMQ workers were left holding active jobs forever after a failover (test/sentinel.test.ts); without it the
 * lost primary is noticed by the broken connection itself, and the promoted one found within seconds.
 */
function createSentinelClient(config: RedisConnectionConfig, common: RedisOptions): Redis {
  const { nodeOptions } = clusterSeed(config.redisUrl);
  const db = Number(new URL(config.redisUrl).pathname.slice(1) || '0');
  return new Redis({
    ...common,
    ...nodeOptions,
    db: Number.isInteger(db) ? db : 0,
    sentinels: (config.redisSentinels ?? []).map(({ host, port }) => ({ host, port })),
    name: config.redisSentinelName ?? 'mymaster',
    role: 'master',
    ...(config.redisSentinelPassword ? { sentinelPassword: config.redisSentinelPassword } : {}),
    retryStrategy: (times) => reconnectDelay(times),
    // all sentinels unreachable: keep asking (ioredis' default gives up after a while)
    sentinelRetryStrategy: (times) => reconnectDelay(times),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });
}

function createCluster(redisUrl: string, common: RedisOptions): Cluster {
  const { host, port, nodeOptions } = clusterSeed(redisUrl);
  const { enableOfflineQueue: _keptOnForClusters, lazyConnect, ...perNode } = common;
  const options: ClusterOptions = {
    lazyConnect,
    clusterRetryStrategy: (times) => reconnectDelay(times),
    redisOptions: { ...perNode, ...nodeOptions },
  };
  return new Cluster([{ host, port }], options);
}

/** What `checkRedisSafety` and the status output show about a Redis (the first master's, on a Cluster). */
export interface RedisServerInfo {
  version: string;
  mode: string;
  maxmemoryPolicy: string;
  appendOnly: boolean;
  /** Master nodes (1 when not a Cluster). */
  masters: number;
}

/** INFO's `key:value` lines as a record. */
function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

interface NodeInfo {
  address: string;
  info: Record<string, string>;
}

/** INFO (server, memory, persistence) of the Redis, or of every master of the Cluster. */
async function mastersInfo(redis: Redis | Cluster): Promise<NodeInfo[]> {
  // INFO rather than CONFIG GET: managed services often disable CONFIG
  const read = async (r: Redis) => parseInfo([await r.info('server'), await r.info('memory'), await r.info('persistence')].join('\n'));
  if (!(redis instanceof Cluster)) {
    const { sentinels, name, host, port } = redis.options;
    // through Sentinel, options.host is not where the connection went: name the primary as the sentinels know it
    return [{ address: sentinels?.length ? `the Sentinel primary ${name}` : `${host}:${port}`, info: await read(redis) }];
  }
  await redis.ping(); // waits until the slots are known, so that the master list is complete
  return Promise.all(redis.nodes('master').map(async (n) => ({ address: `${n.options.host}:${n.options.port}`, info: await read(n) })));
}

/** Version, mode, eviction policy and persistence of the Redis (the first master's, on a Cluster). */
export async function redisServerInfo(redis: Redis | Cluster): Promise<RedisServerInfo> {
  const nodes = await mastersInfo(redis);
  const info = nodes[0]?.info ?? {};
  return {
    version: info.redis_version ?? 'unknown',
    mode: info.redis_mode ?? 'unknown',
    maxmemoryPolicy: info.maxmemory_policy ?? 'unknown',
    appendOnly: info.aof_enabled === '1',
    masters: nodes.length,
  };
}

/**
 * What is unsafe about this Redis for llrecon, one message per problem and node (empty: nothing). A
 * `maxmemory-policy` other than `noeviction` could silently drop queued jobs and orders: the daemon refuses to
 * start on any message that names `maxmemory-policy`. Append-only persistence off is a warning: a restart of
 * Redis would lose everything since the last snapshot.
 */
export async function checkRedisSafety(redis: Redis | Cluster): Promise<string[]> {
  const problems: string[] = [];
  for (const { address, info } of await mastersInfo(redis)) {
    const policy = info.maxmemory_policy;
    if (policy !== 'noeviction')
      problems.push(
        `Redis ${address} has maxmemory-policy ${policy ?? 'unknown'}: it may evict queued jobs and orders. ` +
          'Fix: CONFIG SET maxmemory-policy noeviction (and set it in redis.conf)',
      );
    if (info.aof_enabled !== '1')
      problems.push(
        `Redis ${address} has append-only persistence off: a restart loses what was written since the last snapshot. ` +
          'Fix: CONFIG SET appendonly yes, appendfsync everysec (and set them in redis.conf)',
      );
  }
  return problems;
}

/** ioredis states in which a connection is known to be away (or was closed on purpose). */
export const REDIS_DOWN_STATES: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/**
 * Waits for `pending` (e.g. BullMQ queues still reading INFO on a shared connection once it is ready), at most
 * `ms`, and not at all while `conn` is known to be down (it may never come back).
 */
export async function settleBeforeClose(conn: Redis | Cluster, pending: Array<Promise<unknown>>, ms = 2000): Promise<void> {
  if (REDIS_DOWN_STATES.has(conn.status) || pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(pending), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Closes a connection for good: QUIT when it is ready (replies still due arrive first), otherwise a plain
 * disconnect — a QUIT written during the connection's own hand-shake lets the server close the socket under the
 * commands that follow it (a stray `write EPIPE`), and while Redis is down QUIT would wait for it (or, without
 * the offline queue, be refused and leave the connection reconnecting forever).
 */
export async function closeRedis(conn: Redis | Cluster): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status !== 'ready') return void conn.disconnect();
  await conn.quit().then(
    () => undefined,
    () => conn.disconnect(),
  );
}

/** How often, at most, connection errors are logged while they go on (a Redis outage would flood otherwise). */
export const REDIS_ERROR_LOG_EVERY_MS = 3000;

/** A connection error's code: Node's (`ECONNREFUSED`, `ENOTFOUND` …) or Redis's first word (`WRONGPASS`, `NOAUTH` …). */
export function redisErrorCode(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code) return code;
  return /^([A-Z][A-Z_]{2,})\b/.exec(err.message)?.[1] ?? err.name;
}

/** Whether an error is about reaching Redis (a socket or resolver error, a closed connection), not a command's. */
export function isConnectionError(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) || /^Connection is closed|^Stream isn't writeable/.test(err.message);
}

/**
 * Logs connection errors as they come, at most once per REDIS_ERROR_LOG_EVERY_MS: a warn line naming the Redis
 * (password masked), the error's code and what happens next, so that a wrong REDIS_URL is never a silent wait.
 * ioredis reconnects by itself either way.
 */
export function redisErrorLogger(log: Logger, redisUrl: string): (err: Error) => void {
  let last = 0;
  const url = maskUrl(redisUrl);
  return (err) => {
    const now = Date.now();
    if (now - last < REDIS_ERROR_LOG_EVERY_MS) return;
    last = now;
    const code = redisErrorCode(err);
    log.warn({ url, code, err: err.message }, `redis: cannot use ${url} (${code}); retrying`);
  };
}
