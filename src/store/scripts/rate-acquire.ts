// One attempt to start a LianLian query under the global cap: at most `limit` starts in ANY sliding window of
// `window` µs, across every process, timed by the Redis server's clock (one clock for all).
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript } from './script.js';

/**
 * KEYS: 1 the log of starts (zset, scored by start time in µs), 2 the high-priority waiters (zset, scored by
 * registration expiry in µs).
 * ARGV: 1 limit, 2 window (µs), 3 a member unique to this attempt's caller, 4 'high' | 'routine',
 *       5 how long a waiter's registration outlives the wait (µs).
 * Returns {1, start µs} when granted (the start is logged under the member), else {0, µs to wait}:
 *  - the window is full: until its oldest start leaves it. A refused 'high' caller registers as a waiter
 *    (renewed at each attempt, dropped when granted or by the caller on abort);
 *  - a 'routine' caller is refused while any live high waiter exists, so confirming queries go first.
 * The log expires a second after its newest start; expired registrations are dropped by the next attempt.
 */
export const RATE_ACQUIRE: RedisScript = {
  name: 'llreconRateAcquire',
  numberOfKeys: 2,
  lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local high = ARGV[4] == 'high'
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local wait = 0
if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + window - now
end
if high then
  if wait == 0 then
    redis.call('ZREM', KEYS[2], member)
    redis.call('ZADD', KEYS[1], now, member)
    redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
    return {1, now}
  end
  redis.call('ZADD', KEYS[2], now + wait + tonumber(ARGV[5]), member)
  return {0, wait}
end
if wait == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZADD', KEYS[1], now, member)
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {1, now}
end
return {0, wait}
`,
};

export interface RateAcquireArgs {
  limit: number;
  windowUs: number;
  /** Unique to the caller's acquire (a retry reuses it). */
  member: string;
  priority: 'high' | 'routine';
  /** How long a waiter's registration outlives the wait it was told (µs). */
  graceUs: number;
}

/** RATE_ACQUIRE: [1, start µs] when granted, else [0, µs to wait]. */
export async function runRateAcquire(redis: Redis | Cluster, ks: Keyspace, a: RateAcquireArgs): Promise<[number, number]> {
  const res = await callScript(redis, RATE_ACQUIRE, [ks.rateLog, ks.rateWaiters], [a.limit, a.windowUs, a.member, a.priority, a.graceUs]);
  return res as [number, number];
}
