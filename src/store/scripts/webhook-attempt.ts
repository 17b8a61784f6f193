// The webhook sink's record of one delivery attempt (webhooks/delivery-log.ts): appended to the event's attempts
// and, when the delivery is settled, the order's settled version raised, in one step.
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript } from './script.js';

/**
 * KEYS: 1 the event's attempts list, 2 the order's settled marker (string).
 * ARGV: 1 attempt (JSON), 2 attempts kept, 3 lifetime of both keys (ms), 4 version to settle, or ''.
 * Returns 1.
 */
export const WEBHOOK_ATTEMPT: RedisScript = {
  name: 'llreconWebhookAttempt',
  numberOfKeys: 2,
  lua: `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] ~= '' then
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tonumber(ARGV[4]) > cur then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
  else redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
end
return 1
`,
};

export interface WebhookAttemptArgs {
  /** The CloudEvent id. */
  eventId: string;
  noOrder: string;
  /** The attempt, as JSON. */
  attempt: string;
  kept: number;
  ttlMs: number;
  /** The event's version when its delivery is settled now, else null. */
  settleVersion: number | null;
}

export async function runWebhookAttempt(redis: Redis | Cluster, ks: Keyspace, a: WebhookAttemptArgs): Promise<void> {
  const keys = [ks.webhookAttempts(a.eventId), ks.webhookSettled(a.noOrder)];
  await callScript(redis, WEBHOOK_ATTEMPT, keys, [a.attempt, a.kept, a.ttlMs, a.settleVersion ?? '']);
}
