// Retention: remove an order that ended long enough ago — its hash, history, timeline, its list of rejected
// callbacks, its places in the indexes and the webhook sink's note on it — in one step, and only if it still ended before the cutoff (an order tracked
// again, or one whose end moved, is left alone).
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../../reconcile/states.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, type RedisScript, type ScriptTarget } from './script.js';
import { UNTRACK_FIELD } from './untrack.js';

/**
 * KEYS: 1 order hash, 2 history list, 3 timeline list, 4 all-orders index, 5 the index it was found in (its
 * state's, or the untracked one), 6 the webhook sink's settled version, 7 the order's rejected callbacks.
 * ARGV: 1 no_order, 2 cutoff (epoch ms), 3 the state read ('' for an untracked order).
 * Returns 1 when removed; 0 when it did not end before the cutoff (nothing removed); 2 when the hash is gone (the
 * index entry alone is removed).
 */
export const FORGET_ORDER: RedisScript = {
  name: 'llreconForgetOrder',
  numberOfKeys: 7,
  lua: `
local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  return 2
end
local ended = redis.call('HGET', h, '${UNTRACK_FIELD.at}')
if ARGV[3] == '' then
  if not ended then return 0 end
else
  if ended then return 0 end
  if redis.call('HGET', h, '${F.state}') ~= ARGV[3] or redis.call('HGET', h, '${F.final}') ~= '1' then return 0 end
  ended = redis.call('HGET', h, '${F.changed_at}')
end
if tonumber(ended) == nil or tonumber(ended) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', h, KEYS[2], KEYS[3], KEYS[6], KEYS[7])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
`,
};

/** FORGET_ORDER for `noOrder` found in the index of `state` (null: the untracked index). */
export function runForgetOrder(
  target: ScriptTarget | Redis | Cluster,
  ks: Keyspace,
  noOrder: string,
  state: OrderState | null,
  cutoff: number,
): Promise<unknown> {
  const index = state === null ? ks.untrackedOrders : ks.stateIndex(state);
  const keys = [
    ks.order(noOrder),
    ks.history(noOrder),
    ks.timeline(noOrder),
    ks.allOrders,
    index,
    ks.webhookSettled(noOrder),
    ks.orderRejectedCallbacks(noOrder),
  ];
  return callScript(target, FORGET_ORDER, keys, [noOrder, cutoff, state ?? '']);
}
