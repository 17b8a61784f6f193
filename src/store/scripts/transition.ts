// THE write of a change of state: compare-and-set on the version, the record, the indexes, the history entry
// and the event on the stream, all in one step (so a retry or a second worker can never emit twice).
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../../reconcile/states.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, orEmpty, type RedisScript, type ScriptArg } from './script.js';
import { SET_FIELDS_LUA } from './set-fields.js';

/**
 * KEYS: 1 order hash, 2 history list, 3 index of the state left, 4 index of the state entered, 5 event stream.
 * ARGV: 1 expected version, 2 state left, 3 no_order, 4 history entry (JSON), 5 event type, 6 event (JSON),
 *       7 oid_paybill of the answer ('' none), 8 money_order of the answer ('' none),
 *       9… field/value pairs to set ('' deletes), the new version among them.
 * Returns the event's stream id, or nil when the order is gone or its version moved (nothing is written).
 */
export const TRANSITION: RedisScript = {
  name: 'llreconTransition',
  numberOfKeys: 5,
  lua: `${SET_FIELDS_LUA}
local h = KEYS[1]
if redis.call('HGET', h, '${F.version}') ~= ARGV[1] then return false end
if redis.call('HGET', h, '${F.state}') ~= ARGV[2] then return false end
set_fields(h, 9)
redis.call('HINCRBY', h, '${F.polls}', 1)
-- LianLian's payment number and amount fill in what tracking did not give; they never overwrite
if ARGV[7] ~= '' then redis.call('HSETNX', h, '${F.oid_paybill}', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSETNX', h, '${F.money_order}', ARGV[8]) end
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], redis.call('HGET', h, '${F.tracked_at}'), ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
return redis.call('XADD', KEYS[5], '*', 'type', ARGV[5], 'event', ARGV[6])
`,
};

export interface TransitionArgs {
  noOrder: string;
  expectedVersion: number;
  from: OrderState;
  to: OrderState;
  /** The history entry, as JSON. */
  entry: string;
  eventType: string;
  /** The CloudEvent, as JSON. */
  event: string;
  oidPaybill: string | null | undefined;
  moneyOrder: string | null | undefined;
  /** Field/value pairs to set ('' deletes). */
  fields: readonly ScriptArg[];
}

/** TRANSITION: the event's stream id, or null when the order is gone or its version moved. */
export async function runTransition(redis: Redis | Cluster, ks: Keyspace, a: TransitionArgs): Promise<string | null> {
  const keys = [ks.order(a.noOrder), ks.history(a.noOrder), ks.stateIndex(a.from), ks.stateIndex(a.to), ks.events];
  const args = [a.expectedVersion, a.from, a.noOrder, a.entry, a.eventType, a.event, orEmpty(a.oidPaybill), orEmpty(a.moneyOrder)];
  const streamId = await callScript(redis, TRANSITION, keys, [...args, ...a.fields]);
  return typeof streamId === 'string' ? streamId : null;
}
