// THE write of a change of state: compare-and-set on the version, the record, the indexes, the history entry
// and the event on the stream, all in one step (so a retry or a second worker can never emit twice).
import type { Cluster, Redis } from 'ioredis';
import { PHASE_OF } from '../../reconcile/lifecycle.js';
import { isFinalState, type OrderState } from '../../reconcile/states.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, orEmpty, type RedisScript, type ScriptArg } from './script.js';
import { SET_FIELDS_LUA } from './set-fields.js';

/** The lifecycle's phases as a Lua table literal (lifecycle.ts is the one source). */
const PHASES_LUA = `{${Object.entries(PHASE_OF)
  .map(([state, phase]) => `${state}=${phase}`)
  .join(',')}}`;

/** The final states as a Lua set literal. */
const FINAL_LUA = `{${Object.keys(PHASE_OF)
  .filter((s) => isFinalState(s as OrderState))
  .map((s) => `${s}=true`)
  .join(',')}}`;

/** What the script answers when it refuses a move the lifecycle forbids (nothing is written). */
export const REFUSED = { regression: 'refused:regression', final: 'refused:final' } as const;

/**
 * KEYS: 1 order hash, 2 history list, 3 index of the state left, 4 index of the state entered, 5 event stream.
 * ARGV: 1 expected version, 2 state left, 3 no_order, 4 history entry (JSON), 5 event type, 6 event (JSON),
 *       7 LianLian's oid_paybill from the answer ('' none), 8 money_order of the answer ('' none),
 *       9 state entered, 10… field/value pairs to set ('' deletes), the new version among them.
 * Returns the event's stream id; nil when the order is gone or its version moved; REFUSED.* when the move goes
 * to an earlier phase or out of a final state other than `abandoned` (defence in depth: decide() never asks for
 * one, and the script refuses it whatever its caller says). Nothing is written unless the stream id is returned.
 */
export const TRANSITION: RedisScript = {
  name: 'llreconTransition',
  numberOfKeys: 5,
  lua: `${SET_FIELDS_LUA}
local PHASE = ${PHASES_LUA}
local FINAL = ${FINAL_LUA}
local h = KEYS[1]
if redis.call('HGET', h, '${F.version}') ~= ARGV[1] then return false end
if redis.call('HGET', h, '${F.state}') ~= ARGV[2] then return false end
local from, to = ARGV[2], ARGV[9]
if PHASE[from] == nil or PHASE[to] == nil or from == to then return '${REFUSED.regression}' end
if FINAL[from] and not (from == 'abandoned' and FINAL[to]) then return '${REFUSED.final}' end
if PHASE[to] < PHASE[from] then return '${REFUSED.regression}' end
set_fields(h, 10)
redis.call('HINCRBY', h, '${F.polls}', 1)
-- LianLian's payment number replaces one only the merchant gave, never one LianLian gave before; the amount
-- fills in what tracking did not give
if ARGV[7] ~= '' and redis.call('HGET', h, '${F.paybill_from_lianlian}') ~= '1' then
  redis.call('HSET', h, '${F.oid_paybill}', ARGV[7], '${F.paybill_from_lianlian}', '1')
end
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
  /** LianLian's own oid_paybill, from the answer. */
  oidPaybill: string | null | undefined;
  moneyOrder: string | null | undefined;
  /** Field/value pairs to set ('' deletes). */
  fields: readonly ScriptArg[];
}

/** What TRANSITION did: written (with the event's stream id), not written (gone or moved), or refused. */
export type TransitionReply = { written: string } | { moved: true } | { refused: 'regression' | 'final' };

/** TRANSITION: see {@link TransitionReply}. */
export async function runTransition(redis: Redis | Cluster, ks: Keyspace, a: TransitionArgs): Promise<TransitionReply> {
  const keys = [ks.order(a.noOrder), ks.history(a.noOrder), ks.stateIndex(a.from), ks.stateIndex(a.to), ks.events];
  const args = [a.expectedVersion, a.from, a.noOrder, a.entry, a.eventType, a.event, orEmpty(a.oidPaybill), orEmpty(a.moneyOrder), a.to];
  const reply = await callScript(redis, TRANSITION, keys, [...args, ...a.fields]);
  if (reply === REFUSED.regression) return { refused: 'regression' };
  if (reply === REFUSED.final) return { refused: 'final' };
  return typeof reply === 'string' ? { written: reply } : { moved: true };
}
