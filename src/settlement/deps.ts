// What settlement reconciliation needs of its process: Redis, the merchant, the settings it reads, and a way to ask
// a confirming query (the daemon's and the CLI's queues; none in a reader that only shows).
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { EncodingSetting } from '../lianlian/settlement/encoding.js';
import type { Logger } from '../log.js';
import type { Keyspace } from '../store/keyspace.js';
import { settlementKeys, type SettlementKeys } from './keys.js';
import type { SettlementMetrics } from './metrics.js';

export interface SettlementDeps {
  redis: Redis | Cluster;
  ks: Keyspace;
  keys: SettlementKeys;
  /** The merchant llrecon serves: a file of any other is refused. */
  oidPartner: string;
  preauthPayTypes: ReadonlySet<string>;
  graceMs: number;
  encoding: EncodingSetting;
  log: Logger;
  now(): number;
  /** Asks a confirming query of a tracked order (a `not_captured` row); null: nobody to ask (nothing is asked). */
  confirm: ((noOrder: string) => Promise<unknown>) | null;
  metrics: SettlementMetrics | null;
}

export interface SettlementDepsInput {
  redis: Redis | Cluster;
  ks: Keyspace;
  oidPartner: string;
  config: Pick<Config, 'settlementPreauthPayTypes' | 'settlementGraceMs' | 'settlementEncoding'>;
  log: Logger;
  now?: () => number;
  confirm?: ((noOrder: string) => Promise<unknown>) | null;
  metrics?: SettlementMetrics | null;
}

export function settlementDeps(i: SettlementDepsInput): SettlementDeps {
  return {
    redis: i.redis,
    ks: i.ks,
    keys: settlementKeys(i.ks),
    oidPartner: i.oidPartner,
    preauthPayTypes: new Set(i.config.settlementPreauthPayTypes),
    graceMs: i.config.settlementGraceMs,
    encoding: i.config.settlementEncoding,
    log: i.log,
    now: i.now ?? Date.now,
    confirm: i.confirm ?? null,
    metrics: i.metrics ?? null,
  };
}
