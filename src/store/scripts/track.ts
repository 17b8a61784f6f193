// Start tracking one order, atomically: its hash and its place in two indexes. Its `tracked` history entry is
// not written as a list element (an order waiting for its first answer then costs one key less); history()
// derives it from the hash: tracked_at, and the actor and source kept in the fields `by` and `src`.
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../../reconcile/states.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, orEmpty, type RedisScript, type ScriptArg, type ScriptTarget } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';
import { UNTRACK_FIELD } from './untrack.js';

/**
 * KEYS: 1 order hash, 2 state index of `pending`, 3 all-orders index.
 * ARGV: 1 no_order, 2 tracked_at (the index score), 3… the hash as field, value, ….
 * Returns 1, or 0 when the order is already tracked (then nothing is written).
 */
export const TRACK: RedisScript = {
  name: 'llreconTrack',
  numberOfKeys: 3,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
`,
};

/** TRACK for `noOrder`; `hash` is its hash as field, value, …. On a connection the promise gives 1 or 0. */
export function runTrack(
  target: ScriptTarget,
  ks: Keyspace,
  noOrder: string,
  trackedAt: number,
  hash: readonly ScriptArg[],
): Promise<unknown> {
  return callScript(target, TRACK, [ks.order(noOrder), ks.stateIndex('pending'), ks.allOrders], [noOrder, trackedAt, ...hash]);
}

/**
 * Track an untracked order again (posting it again after `DELETE /orders/:no_order`), atomically: the mark goes,
 * the order returns to its state's index with a fresh horizon and next poll, and the history says who did it.
 * KEYS: 1 order hash, 2 history list, 3 timeline list, 4 untracked index, 5 index of the order's state.
 * ARGV: 1 no_order, 2 the state read, 3 history entry (JSON), 4 next_poll_at ('' none), 5 horizon_at.
 * Returns 1; 0 when the order is not untracked (tracked, or unknown); 2 when its state moved since it was read.
 */
export const RETRACK: RedisScript = {
  name: 'llreconRetrack',
  numberOfKeys: 5,
  lua: `${TIMELINE_PUSH_LUA}
local h = KEYS[1]
if redis.call('HEXISTS', h, '${UNTRACK_FIELD.at}') == 0 then return 0 end
if redis.call('HGET', h, '${F.state}') ~= ARGV[2] then return 2 end
redis.call('HDEL', h, '${UNTRACK_FIELD.at}')
if ARGV[4] ~= '' then redis.call('HSET', h, '${F.next_poll_at}', ARGV[4]) end
redis.call('HSET', h, '${F.horizon_at}', ARGV[5])
redis.call('RPUSH', KEYS[2], ARGV[3])
timeline_push(KEYS[3], ARGV[3], '')
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], redis.call('HGET', h, '${F.tracked_at}'), ARGV[1])
return 1
`,
};

export interface RetrackArgs {
  noOrder: string;
  state: OrderState;
  entry: string;
  nextPollAt: number | null;
  horizonAt: number;
}

/** RETRACK: 'retracked', 'not-untracked' (tracked or unknown) or 'moved' (read again and retry). */
export async function runRetrack(redis: Redis | Cluster, ks: Keyspace, a: RetrackArgs): Promise<'retracked' | 'not-untracked' | 'moved'> {
  const keys = [ks.order(a.noOrder), ks.history(a.noOrder), ks.timeline(a.noOrder), ks.untrackedOrders, ks.stateIndex(a.state)];
  const r = await callScript(redis, RETRACK, keys, [a.noOrder, a.state, a.entry, orEmpty(a.nextPollAt), a.horizonAt]);
  return r === 1 ? 'retracked' : r === 0 ? 'not-untracked' : 'moved';
}
