// One timeline entry (a query, a callback, an action) for a tracked order.
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 order hash, 2 timeline list. ARGV: 1 entry (JSON), 2 its signature (see timeline-push.ts).
 * Returns 1, or 0 when the order is not tracked (then no timeline is created).
 */
export const APPEND_TIMELINE: RedisScript = {
  name: 'llreconAppendTimeline',
  numberOfKeys: 2,
  lua: `${TIMELINE_PUSH_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
timeline_push(KEYS[2], ARGV[1], ARGV[2])
return 1
`,
};

/** APPEND_TIMELINE: false for an unknown order. */
export async function runAppendTimeline(
  redis: Redis | Cluster,
  ks: Keyspace,
  noOrder: string,
  entry: string,
  sig: string,
): Promise<boolean> {
  return (await callScript(redis, APPEND_TIMELINE, [ks.order(noOrder), ks.timeline(noOrder)], [entry, sig])) === 1;
}
