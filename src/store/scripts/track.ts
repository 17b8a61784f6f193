// Start tracking one order, atomically: its hash and its place in two indexes. Its `tracked` history entry is
// not written as a list element (an order waiting for its first answer then costs one key less); history()
// derives it from the hash: tracked_at, and the actor and source kept in the fields `by` and `src`.
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript, type ScriptArg, type ScriptTarget } from './script.js';

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
