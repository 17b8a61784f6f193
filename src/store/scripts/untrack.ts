// Stop tracking an order on purpose, atomically: the mark on its hash, its history entry (who and why), its move
// from its state's index to the untracked index (so the janitor, the counts and the state listings leave it
// alone) and the `preauth.untracked` event on the stream — all in one step, so the event is written exactly when
// the fact is. Its state is kept. Untracking again is a no-op (no second event).
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../../reconcile/states.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, type RedisScript } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * Hash fields beside the record: when the order was untracked (absent while tracked), and how many times it has
 * been (the `preauth.untracked` event id's counter: untracking, tracking again and untracking again is a new event).
 */
export const UNTRACK_FIELD = { at: 'ut', count: 'un' } as const;

/**
 * KEYS: 1 order hash, 2 history list, 3 timeline list, 4 index of the order's state, 5 untracked index, 6 event stream.
 * ARGV: 1 no_order, 2 the state read, 3 the untrack count read ('' none), 4 untracked_at, 5 history entry (JSON),
 *       6 event type, 7 event (JSON).
 * Returns the event's stream id; 0 when the order is unknown; 1 when it is untracked already; 2 when its state or
 * count moved since it was read (nothing written: read again and retry).
 */
export const UNTRACK: RedisScript = {
  name: 'llreconUntrack',
  numberOfKeys: 6,
  lua: `${TIMELINE_PUSH_LUA}
local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then return 0 end
if redis.call('HEXISTS', h, '${UNTRACK_FIELD.at}') == 1 then return 1 end
if redis.call('HGET', h, '${F.state}') ~= ARGV[2] then return 2 end
if (redis.call('HGET', h, '${UNTRACK_FIELD.count}') or '') ~= ARGV[3] then return 2 end
redis.call('HSET', h, '${UNTRACK_FIELD.at}', ARGV[4])
redis.call('HINCRBY', h, '${UNTRACK_FIELD.count}', 1)
redis.call('HDEL', h, '${F.next_poll_at}')
redis.call('RPUSH', KEYS[2], ARGV[5])
timeline_push(KEYS[3], ARGV[5], '')
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], redis.call('HGET', h, '${F.tracked_at}'), ARGV[1])
return redis.call('XADD', KEYS[6], '*', 'type', ARGV[6], 'event', ARGV[7])
`,
};

export interface UntrackArgs {
  noOrder: string;
  state: OrderState;
  /** The untrack count read with the state (null: never untracked). */
  count: number | null;
  at: number;
  entry: string;
  eventType: string;
  event: string;
}

export type UntrackReply = { kind: 'untracked'; streamId: string } | { kind: 'unknown' } | { kind: 'already' } | { kind: 'moved' };

export async function runUntrack(redis: Redis | Cluster, ks: Keyspace, a: UntrackArgs): Promise<UntrackReply> {
  const keys = [ks.order(a.noOrder), ks.history(a.noOrder), ks.timeline(a.noOrder), ks.stateIndex(a.state), ks.untrackedOrders, ks.events];
  const args = [a.noOrder, a.state, a.count === null ? '' : String(a.count), a.at, a.entry, a.eventType, a.event];
  const r = await callScript(redis, UNTRACK, keys, args);
  if (typeof r === 'string') return { kind: 'untracked', streamId: r };
  if (r === 0) return { kind: 'unknown' };
  if (r === 1) return { kind: 'already' };
  return { kind: 'moved' };
}
