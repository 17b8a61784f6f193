// Every Redis key llrecon writes, built in one place. `base` is REDIS_PREFIX, or `{REDIS_PREFIX}` on a Redis
// Cluster: the braces make it a hash tag, so EVERY key (ours and BullMQ's) lives in one slot, which BullMQ
// requires for a queue and which lets one Lua script touch an order, its indexes and the event stream at once.
//
//   key                              type     holds
//   <base>:order:<no_order>          hash     the order record (compact fields, see order-record.ts)
//   <base>:history:<no_order>        list     JSON entries, oldest first: tracked, each change of state, each
//                                             operator action (kept as long as the order)
//   <base>:timeline:<no_order>       list     JSON entries, newest first, capped at 100: queries and their answers
//                                             (identical consecutive answers collapse into one), callbacks, actions
//   <base>:state:<state>             zset     no_order of the orders in that state, scored by tracked_at
//   <base>:orders                    zset     every tracked no_order, scored by tracked_at
//   <base>:untracked                 zset     orders an operator untracked (out of their state's index), by tracked_at
//   <base>:events                    stream   the public event stream: fields `type`, `event` (CloudEvent JSON)
//   <base>:rate:log                  zset     start times of recent LianLian queries (the sliding-window cap)
//   <base>:rate:waiters              zset     high-priority acquirers waiting at the cap, scored by expiry
//   <base>:pause:<oid_partner>       string   "<until ms>|<reason>" with PX: querying paused for that merchant
//   <base>:callbacks:rejected        list     JSON of rejected callbacks, newest first, capped
//   <base>:callbacks:untracked       list     JSON of verified callbacks for untracked orders, newest first, capped
//   <base>:callbacks:rejected:<no>   list     rejected callbacks naming that tracked order, newest first, capped: kept
//                                             apart from its timeline, which they never push out
//   <base>:callback:<job id>         string   "1" with PX: that callback's verdict is written (a re-run adds nothing)
//   <base>:webhooks:attempts:<id>    list     delivery attempts of one event (by CloudEvent id) to EVENTS_WEBHOOK_URL
//                                             (webhooks/delivery-log.ts)
//   <base>:webhooks:settled:<no>     string   the highest event version of the order settled by the webhook sink
//   <base>:session:<id>              hash     a dashboard session (src/auth/sessions.ts): user, token fingerprint,
//                                             times, address; PX = its idle end. id = SHA-256 of the cookie's secret
//   <base>:sessions                  zset     every session id, scored by its absolute end
//   <base>:probe:write               string   readiness's write probe (src/redis/write-probe.ts), overwritten, PX 60 s
//   <base>:settlement:<part>         …        settlement files, rows and verdicts (src/settlement/keys.ts lists them)
//   <base>:actions:<part>            …        captures and voids, their idempotency keys, leases, hold warnings
//                                             (src/store/action-keys.ts lists them)
//   <base>:meta                      hash     `format`: the data-format version of everything above (data-format.ts),
//                                             `created_at`, `migrated_at`
//   <base>:meta:lease                string   "<owner>" with PX: the process running the migrations (one at a time)
//   (consumer group `webhooks` on <base>:events: the webhook sink's read position)
//   <base>:<queue>:…                 (BullMQ) the queues; their names must not be one of the segments above
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../reconcile/states.js';

/** The key builders of one deployment (see the table at the head of this file). */
export interface Keyspace {
  /** `REDIS_PREFIX`, or `{REDIS_PREFIX}` in cluster mode. */
  readonly base: string;
  /** BullMQ's `prefix` option: the same base, so queues share the slot. */
  readonly bullPrefix: string;
  /** Hash: the order record. */
  order(noOrder: string): string;
  /** List: the order's history, oldest first. */
  history(noOrder: string): string;
  /** List: the order's recent timeline, newest first, capped. */
  timeline(noOrder: string): string;
  /** Zset: orders in `state`, scored by tracked_at. */
  stateIndex(state: OrderState): string;
  /** Zset: every tracked order, scored by tracked_at. */
  readonly allOrders: string;
  /** Zset: orders an operator untracked (no longer in their state's index), scored by tracked_at. */
  readonly untrackedOrders: string;
  /** Stream: the public events. */
  readonly events: string;
  /** Zset: start times of recent queries (rate cap). */
  readonly rateLog: string;
  /** Zset: live high-priority waiters at the rate cap, scored by expiry. */
  readonly rateWaiters: string;
  /** String with expiry: querying paused for merchant `oid`. */
  merchantPause(oid: string): string;
  /** List: rejected callbacks. */
  readonly rejectedCallbacks: string;
  /** List: verified callbacks for orders not tracked. */
  readonly untrackedCallbacks: string;
  /** List: rejected callbacks naming this tracked order (apart from its timeline). */
  orderRejectedCallbacks(noOrder: string): string;
  /** String with expiry: readiness's write probe. */
  readonly writeProbe: string;
  /** String with expiry: the verdict on the callback with this notify job id is written. */
  callbackNoted(jobId: string): string;
  /** List with expiry: the webhook sink's delivery attempts of the event with this CloudEvent id. */
  webhookAttempts(eventId: string): string;
  /** String with expiry: the highest version of the order whose webhook delivery is settled. */
  webhookSettled(noOrder: string): string;
  /** Hash with expiry: one dashboard session. */
  session(id: string): string;
  /** Zset: every dashboard session id, scored by its absolute end. */
  readonly sessions: string;
  /** A key of settlement reconciliation: `<base>:settlement:<part>` (src/settlement/keys.ts names the parts). */
  settlement(part: string): string;
  /** A key of captures and voids: `<base>:actions:<part>` (src/store/action-keys.ts names the parts). */
  actions(part: string): string;
  /** Hash: the data-format version (`format`) and when it was written or migrated. */
  readonly meta: string;
  /** String with expiry: the lease of the process running the migrations. */
  readonly metaLease: string;
}

/** A connection and the keyspace it is used under: what the store's functions take. */
export interface StoreConn {
  redis: Redis | Cluster;
  ks: Keyspace;
}

/**
 * The keyspace for `prefix` (REDIS_PREFIX). In cluster mode the base is the hash tag `{prefix}`, so that every
 * key hashes to one slot.
 */
export function keyspace(prefix = 'llrecon', cluster = false): Keyspace {
  const base = cluster ? `{${prefix}}` : prefix;
  return {
    base,
    bullPrefix: base,
    order: (no) => `${base}:order:${no}`,
    history: (no) => `${base}:history:${no}`,
    timeline: (no) => `${base}:timeline:${no}`,
    stateIndex: (state) => `${base}:state:${state}`,
    allOrders: `${base}:orders`,
    untrackedOrders: `${base}:untracked`,
    events: `${base}:events`,
    rateLog: `${base}:rate:log`,
    rateWaiters: `${base}:rate:waiters`,
    merchantPause: (oid) => `${base}:pause:${oid}`,
    rejectedCallbacks: `${base}:callbacks:rejected`,
    untrackedCallbacks: `${base}:callbacks:untracked`,
    orderRejectedCallbacks: (no) => `${base}:callbacks:rejected:${no}`,
    writeProbe: `${base}:probe:write`,
    callbackNoted: (id) => `${base}:callback:${id}`,
    // `webhooks:`, not `webhook:`: that is the BullMQ queue's, and is wiped with it
    webhookAttempts: (id) => `${base}:webhooks:attempts:${id}`,
    webhookSettled: (no) => `${base}:webhooks:settled:${no}`,
    session: (id) => `${base}:session:${id}`,
    sessions: `${base}:sessions`,
    settlement: (part) => `${base}:settlement:${part}`,
    actions: (part) => `${base}:actions:${part}`,
    meta: `${base}:meta`,
    metaLease: `${base}:meta:lease`,
  };
}
