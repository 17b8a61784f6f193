// The writes of a capture or void (store/action-record.ts), each one atomic step with its history entry: the
// action recorded BEFORE anything is sent (with its Idempotency-Key), claimed for sending exactly once, its answer
// or the loss of it, its outcome; and the hold warning with its event. Nothing here sends anything.
import type { Cluster, Redis } from 'ioredis';
import type { OrderState } from '../../reconcile/states.js';
import { ACTION_FIELD as A, actionKeys } from '../action-keys.js';
import type { Keyspace } from '../keyspace.js';
import { HASH_FIELD as F } from '../order-record.js';
import { callScript, type RedisScript } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/** The hash field an operator's untrack sets on an order (scripts/untrack.ts): an untracked order takes no action. */
const UNTRACKED_MARK = 'ut';

/**
 * KEYS: 1 order hash, 2 history, 3 timeline, 4 action hash, 5 idempotency key, 6 open actions.
 * ARGV: 1 state read, 2 the order's latest action id read ('' none), 3 '1' when an Idempotency-Key is given,
 *       4 `<id>|<fingerprint>` for it, 5 its lifetime (ms), 6 action id, 7 when to look at it first (score),
 *       8 history entry (JSON), 9 a field that may be set once ('' none: the hold policy's), 10… the action's fields.
 * Returns {'recorded', id} | {'same', '<id>|<fingerprint>'} | {'once', id} | {'gone'} | {'untracked'} | {'moved'}.
 */
export const RECORD_ACTION: RedisScript = {
  name: 'llreconRecordAction',
  numberOfKeys: 6,
  lua: `${TIMELINE_PUSH_LUA}
local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then return {'gone'} end
if ARGV[3] == '1' then
  local prior = redis.call('GET', KEYS[5])
  if prior then return {'same', prior} end
end
if ARGV[9] ~= '' then
  local done = redis.call('HGET', h, ARGV[9])
  if done then return {'once', done} end
end
if redis.call('HEXISTS', h, '${UNTRACKED_MARK}') == 1 then return {'untracked'} end
if redis.call('HGET', h, '${F.state}') ~= ARGV[1] then return {'moved'} end
if (redis.call('HGET', h, '${A.lastAction}') or '') ~= ARGV[2] then return {'moved'} end
redis.call('HSET', KEYS[4], unpack(ARGV, 10))
redis.call('HSET', h, '${A.lastAction}', ARGV[6])
if ARGV[9] ~= '' then redis.call('HSET', h, ARGV[9], ARGV[6]) end
redis.call('RPUSH', KEYS[2], ARGV[8])
timeline_push(KEYS[3], ARGV[8], '')
if ARGV[3] == '1' then redis.call('SET', KEYS[5], ARGV[4], 'PX', ARGV[5]) end
redis.call('ZADD', KEYS[6], ARGV[7], ARGV[6])
return {'recorded', ARGV[6]}
`,
};

export interface RecordActionArgs {
  noOrder: string;
  state: OrderState;
  lastAction: string | null;
  idempotencyKey: string | null;
  fingerprint: string;
  idempotencyMs: number;
  id: string;
  firstLookAt: number;
  entry: string;
  onceField: string | null;
  fields: readonly string[];
}

export type RecordActionReply =
  | { kind: 'recorded'; id: string }
  | { kind: 'same'; id: string; fingerprint: string }
  | { kind: 'once'; id: string }
  | { kind: 'gone' | 'untracked' | 'moved' };

export async function runRecordAction(redis: Redis | Cluster, ks: Keyspace, a: RecordActionArgs): Promise<RecordActionReply> {
  const k = actionKeys(ks);
  const keys = [
    ks.order(a.noOrder),
    ks.history(a.noOrder),
    ks.timeline(a.noOrder),
    k.action(a.id),
    k.idempotency(a.noOrder, a.idempotencyKey ?? ''),
    k.open,
  ];
  const args = [
    a.state,
    a.lastAction ?? '',
    a.idempotencyKey === null ? '0' : '1',
    `${a.id}|${a.fingerprint}`,
    a.idempotencyMs,
    a.id,
    a.firstLookAt,
    a.entry,
    a.onceField ?? '',
    ...a.fields,
  ];
  const [kind, value] = (await callScript(redis, RECORD_ACTION, keys, args)) as [string, string | undefined];
  if (kind === 'recorded') return { kind, id: value as string };
  if (kind === 'once') return { kind, id: value as string };
  if (kind === 'same') {
    const bar = (value as string).indexOf('|');
    return { kind, id: (value as string).slice(0, bar), fingerprint: (value as string).slice(bar + 1) };
  }
  return { kind: kind as 'gone' | 'untracked' | 'moved' };
}

/**
 * Claims a recorded action for sending: the one step after which it is never sent again.
 * KEYS: 1 action hash, 2 order hash. ARGV: 1 sent_at, 2 the amount captured ('' for a void).
 * Returns 1 when claimed, 0 when it was not `recorded` (sent, or being sent, already).
 */
export const CLAIM_SEND: RedisScript = {
  name: 'llreconClaimSend',
  numberOfKeys: 2,
  lua: `
if redis.call('HGET', KEYS[1], 'status') ~= 'recorded' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'sending', 'sent_at', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], '${A.moneyCaptured}', ARGV[2]) end
return 1
`,
};

export async function runClaimSend(
  redis: Redis | Cluster,
  ks: Keyspace,
  id: string,
  noOrder: string,
  at: number,
  moneyCaptured: string | null,
): Promise<boolean> {
  return (await callScript(redis, CLAIM_SEND, [actionKeys(ks).action(id), ks.order(noOrder)], [at, moneyCaptured ?? ''])) === 1;
}

/**
 * Records what came back for a sent action: its answer, or that it is lost.
 * KEYS: 1 action hash, 2 order hash, 3 history, 4 timeline.
 * ARGV: 1 status (`answered` | `lost`), 2 at, 3 ret_code, 4 ret_msg, 5 signed '1'/'0', 6 error, 7 history entry.
 * Returns 1, or 0 when the action was not `sending` (nothing written).
 */
export const NOTE_ACTION_ANSWER: RedisScript = {
  name: 'llreconNoteActionAnswer',
  numberOfKeys: 4,
  lua: `${TIMELINE_PUSH_LUA}
if redis.call('HGET', KEYS[1], 'status') ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'answered_at', ARGV[2], 'signed', ARGV[5],
  'polls_at_answer', redis.call('HGET', KEYS[2], '${F.polls}') or '0')
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'ret_code', ARGV[3], 'ret_msg', ARGV[4]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[6]) end
redis.call('RPUSH', KEYS[3], ARGV[7])
timeline_push(KEYS[4], ARGV[7], '')
return 1
`,
};

export interface ActionAnswerArgs {
  id: string;
  noOrder: string;
  status: 'answered' | 'lost';
  at: number;
  retCode: string | null;
  retMsg: string | null;
  signed: boolean;
  error: string | null;
  entry: string;
}

export async function runNoteActionAnswer(redis: Redis | Cluster, ks: Keyspace, a: ActionAnswerArgs): Promise<boolean> {
  const keys = [actionKeys(ks).action(a.id), ks.order(a.noOrder), ks.history(a.noOrder), ks.timeline(a.noOrder)];
  const args = [a.status, a.at, a.retCode ?? '', a.retMsg ?? '', a.signed ? '1' : '0', a.error ?? '', a.entry];
  return (await callScript(redis, NOTE_ACTION_ANSWER, keys, args)) === 1;
}

/**
 * Settles an action: its outcome, out of the open actions, a history entry.
 * KEYS: 1 action hash, 2 history, 3 timeline, 4 open actions. ARGV: 1 outcome, 2 at, 3 history entry, 4 id,
 * 5 the status it must be in now. Returns 1, or 0 when its status moved (nothing written).
 */
export const SETTLE_ACTION: RedisScript = {
  name: 'llreconSettleAction',
  numberOfKeys: 4,
  lua: `${TIMELINE_PUSH_LUA}
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'settled_at', ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[3])
timeline_push(KEYS[3], ARGV[3], '')
return 1
`,
};

export async function runSettleAction(
  redis: Redis | Cluster,
  ks: Keyspace,
  a: { id: string; noOrder: string; outcome: string; at: number; entry: string; from: string },
): Promise<boolean> {
  const k = actionKeys(ks);
  const keys = [k.action(a.id), ks.history(a.noOrder), ks.timeline(a.noOrder), k.open];
  return (await callScript(redis, SETTLE_ACTION, keys, [a.outcome, a.at, a.entry, a.id, a.from])) === 1;
}

/**
 * Flags an order still authorized as `preauth.hold_expiring`, once: the mark, its place on the dashboard's list,
 * and the event, in one step.
 * KEYS: 1 order hash, 2 hold warnings zset, 3 event stream. ARGV: 1 at, 2 no_order, 3 deadline, 4 event type,
 * 5 event (JSON). Returns the event's stream id, or false when the order is not authorized or was flagged already.
 */
export const HOLD_WARN: RedisScript = {
  name: 'llreconHoldWarn',
  numberOfKeys: 3,
  lua: `
if redis.call('HGET', KEYS[1], '${F.state}') ~= 'authorized' then return false end
if redis.call('HSETNX', KEYS[1], '${A.holdWarnedAt}', ARGV[1]) == 0 then return false end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return redis.call('XADD', KEYS[3], '*', 'type', ARGV[4], 'event', ARGV[5])
`,
};

export async function runHoldWarn(
  redis: Redis | Cluster,
  ks: Keyspace,
  a: { noOrder: string; at: number; deadline: number; eventType: string; event: string },
): Promise<string | null> {
  const keys = [ks.order(a.noOrder), actionKeys(ks).holdsExpiring, ks.events];
  const r = await callScript(redis, HOLD_WARN, keys, [a.at, a.noOrder, a.deadline, a.eventType, a.event]);
  return typeof r === 'string' ? r : null;
}

/** Gives a lease back, only if it is still the holder's. KEYS: 1 lease. ARGV: 1 the holder's token. Returns 1 or 0. */
export const RELEASE_LEASE: RedisScript = {
  name: 'llreconReleaseLease',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
};

/** Takes the lease `name` for `ms` unless another holder has it: the token to give it back with, or null. */
export async function takeLease(redis: Redis | Cluster, ks: Keyspace, name: string, token: string, ms: number): Promise<boolean> {
  return (await redis.set(actionKeys(ks).lease(name), token, 'PX', ms, 'NX')) === 'OK';
}

export async function releaseLease(redis: Redis | Cluster, ks: Keyspace, name: string, token: string): Promise<void> {
  await callScript(redis, RELEASE_LEASE, [actionKeys(ks).lease(name)], [token]);
}
