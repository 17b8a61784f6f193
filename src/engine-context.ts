// Everything the workers and the producer share inside one llrecon process. Built by createEngine().
import type { Cluster, Redis } from 'ioredis';
import type { PreauthActionClient } from './clients/preauth-action-client.js';
import type { PreauthQueryClient } from './clients/preauth-query-client.js';
import type { Config } from './config.js';
import type { PublicKey } from './lianlian/keys.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { LlreconQueues } from './queues/queues.js';
import type { Keyspace } from './store/keyspace.js';
import type { OrderStore } from './store/order-store.js';
import type { SlidingWindowLimiter } from './store/rate-limiter.js';

export interface EngineContext {
  config: Config;
  log: Logger;
  redis: Redis | Cluster;
  ks: Keyspace;
  store: OrderStore;
  metrics: Metrics;
  queues: LlreconQueues;
  limiter: SlidingWindowLimiter;
  /** Our merchant id (oid_partner). */
  oidPartner: string;
  /** LianLian's public key: verifies answers and callbacks. */
  lianlianKey: PublicKey;
  /** null in processes that do not query (ROLES without `query`). */
  client: PreauthQueryClient | null;
  /** Capture and void (src/actions/); null or absent in processes that do not query (ROLES without `query`). */
  actionClient?: PreauthActionClient | null;
  /** Epoch ms; replaceable in tests. */
  now(): number;
  random(): number;
}

/** How long querying stops for the merchant after LianLian says our configuration is wrong. */
export const MERCHANT_PAUSE_MS = 5 * 60_000;
