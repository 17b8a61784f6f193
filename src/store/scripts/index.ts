// Every Lua script llrecon runs, and the one place they are defined on a connection.
import type { Cluster, Redis } from 'ioredis';
import { ADD_ACTION } from './add-action.js';
import { CLAIM_SEND, HOLD_WARN, NOTE_ACTION_ANSWER, RECORD_ACTION, RELEASE_LEASE, SETTLE_ACTION } from './action.js';
import { APPEND_TIMELINE } from './append-timeline.js';
import { FORGET_ORDER } from './forget-order.js';
import { NOTE_CALLBACK } from './note-callback.js';
import { NOTE_POLL } from './note-poll.js';
import { RATE_ACQUIRE } from './rate-acquire.js';
import { SETTLEMENT_SCRIPTS } from './settlement.js';
import type { RedisScript } from './script.js';
import { RETRACK, TRACK } from './track.js';
import { TRANSITION } from './transition.js';
import { UNTRACK } from './untrack.js';
import { WEBHOOK_ATTEMPT } from './webhook-attempt.js';

export const SCRIPTS: readonly RedisScript[] = [
  TRACK,
  TRANSITION,
  NOTE_POLL,
  APPEND_TIMELINE,
  NOTE_CALLBACK,
  ADD_ACTION,
  RATE_ACQUIRE,
  WEBHOOK_ATTEMPT,
  UNTRACK,
  RETRACK,
  FORGET_ORDER,
  ...SETTLEMENT_SCRIPTS,
  RECORD_ACTION,
  CLAIM_SEND,
  NOTE_ACTION_ANSWER,
  SETTLE_ACTION,
  HOLD_WARN,
  RELEASE_LEASE,
];

/**
 * Defines every script on `redis` (idempotent; no round trip: ioredis loads a script on its first call). Pipelines
 * made from `redis` afterwards have them too.
 */
export function defineScripts(redis: Redis | Cluster): void {
  const defined = redis as unknown as Record<string, unknown>;
  for (const s of SCRIPTS)
    if (typeof defined[s.name] !== 'function') redis.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
}
