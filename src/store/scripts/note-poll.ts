// A query that changed no state: count it, move the schedule on, note it in the timeline; CAS on the version.
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, type RedisScript, type ScriptArg } from './script.js';
import { SET_FIELDS_LUA } from './set-fields.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 order hash, 2 timeline list.
 * ARGV: 1 expected version, 2 timeline entry (JSON), 3 its signature (see timeline-push.ts),
 *       4… field/value pairs to set ('' deletes).
 * Returns 1, or 0 when the order is gone or its version moved (nothing is written).
 */
export const NOTE_POLL: RedisScript = {
  name: 'llreconNotePoll',
  numberOfKeys: 2,
  lua: `${SET_FIELDS_LUA}${TIMELINE_PUSH_LUA}
if redis.call('HGET', KEYS[1], '${F.version}') ~= ARGV[1] then return 0 end
set_fields(KEYS[1], 4)
redis.call('HINCRBY', KEYS[1], '${F.polls}', 1)
timeline_push(KEYS[2], ARGV[2], ARGV[3])
return 1
`,
};

/** NOTE_POLL: false when the order is gone or its version moved. */
export async function runNotePoll(
  redis: Redis | Cluster,
  ks: Keyspace,
  a: { noOrder: string; expectedVersion: number; entry: string; sig: string; fields: readonly ScriptArg[] },
): Promise<boolean> {
  const res = await callScript(
    redis,
    NOTE_POLL,
    [ks.order(a.noOrder), ks.timeline(a.noOrder)],
    [a.expectedVersion, a.entry, a.sig, ...a.fields],
  );
  return res === 1;
}
