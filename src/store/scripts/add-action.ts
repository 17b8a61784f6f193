// An operator's action (e.g. a re-query): kept in the order's history and shown in its timeline.
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 order hash, 2 history list, 3 timeline list. ARGV: 1 the entry (JSON).
 * Returns 1, or 0 when the order is not tracked (then nothing is written).
 */
export const ADD_ACTION: RedisScript = {
  name: 'llreconAddAction',
  numberOfKeys: 3,
  lua: `${TIMELINE_PUSH_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
timeline_push(KEYS[3], ARGV[1], '')
return 1
`,
};

/** ADD_ACTION: false for an unknown order. */
export async function runAddAction(redis: Redis | Cluster, ks: Keyspace, noOrder: string, entry: string): Promise<boolean> {
  return (await callScript(redis, ADD_ACTION, [ks.order(noOrder), ks.history(noOrder), ks.timeline(noOrder)], [entry])) === 1;
}
