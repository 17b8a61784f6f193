// What the operator commands (enqueue, requery, status, events) need: a connection to the daemon's Redis,
// the order store and the queues — no workers, no keys.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { Config } from '../config.js';
import { LlreconError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { closeQueues, createQueues, type LlreconQueues } from '../queues/queues.js';
import { closeRedis, createRedis, redisConnectionConfig, redisErrorLogger, settleBeforeClose } from '../redis/connection.js';
import { redisUrlFile } from '../redis/embedded-server.js';
import { keyspace, type Keyspace } from '../store/keyspace.js';
import { OrderStore } from '../store/order-store.js';

export interface Ops {
  config: Config;
  log: Logger;
  redis: Redis | Cluster;
  ks: Keyspace;
  store: OrderStore;
  queues: LlreconQueues;
  now(): number;
  close(): Promise<void>;
}

function resolveRedisUrl(config: Config): string {
  if (config.redisUrl) return config.redisUrl;
  const file = redisUrlFile(config.dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new LlreconError(
    'LLRECON_CONFIG',
    `REDIS_URL is not set and no running daemon's embedded Redis was found (${file}): start the daemon (npm start), ` +
      "or set DATA_DIR to the daemon's data directory (its working directory's .data when DATA_DIR was unset there), or set REDIS_URL",
  );
}

function resolveOidPartner(config: Config): string {
  if (config.oidPartner) return config.oidPartner;
  const file = join(config.dataDir, 'sandbox', 'oid_partner.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new LlreconError('LLRECON_CONFIG', 'LIANLIAN_OID_PARTNER: not set (and no sandbox merchant id under DATA_DIR)');
}

/** The OS user running the command (a container without a passwd entry has none: then $USER, or the uid). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Who a command that talks to Redis directly records as the actor: the OS user, with `--actor` as a claim beside it
 * (`ops (on behalf of mei)`), as the HTTP API records a signed-in name beside a given one.
 */
export function cliActor(given: string | undefined, os: string = osUser()): string {
  const claim = given?.trim();
  return claim && claim !== os ? `${os} (on behalf of ${claim})` : os;
}

export async function openOps(config: Config): Promise<Ops> {
  const redisUrl = resolveRedisUrl(config);
  const cfg = redisConnectionConfig(config, redisUrl);
  // command output goes to stdout; the log (warnings and worse by default) to stderr
  const log = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr });
  const onError = redisErrorLogger(log, redisUrl);
  const redis = createRedis(cfg, 'client', { onError });
  const queueConn = createRedis(cfg, 'queue', { onError });
  const ks = keyspace(config.redisPrefix, config.redisCluster);
  const queues = createQueues(queueConn as unknown as ConnectionOptions, ks.bullPrefix);
  // a BullMQ queue re-emits its connection's errors; without a listener it prints each one with its stack
  for (const q of queues.all) q.on('error', onError);
  return {
    config: { ...config, redisUrl },
    log,
    redis,
    ks,
    store: new OrderStore(redis, ks, resolveOidPartner(config)),
    queues,
    now: Date.now,
    async close() {
      // a queue still initialising on the shared connection would write after our QUIT (a stray `write EPIPE`)
      await settleBeforeClose(
        queueConn,
        queues.all.map((q) => q.waitUntilReady()),
      );
      await closeQueues(queues);
      await Promise.allSettled([closeRedis(redis), closeRedis(queueConn)]);
    },
  };
}
