// What the webhook sink keeps in Redis besides its queue, under `<base>:webhooks:` (not `<base>:webhook:`,
// which is the BullMQ queue's and is wiped with it):
//   <base>:webhooks:attempts:<event id>   list     JSON attempts, oldest first, capped at ATTEMPTS_KEPT
//   <base>:webhooks:settled:<no_order>    string   the highest version of the order whose delivery is settled:
//                                                  delivered, or given up (410, or out of attempts)
// Both expire EVENTS_RETENTION + 1 day after their last write: by then the events themselves are gone.
import type { Cluster, Redis } from 'ioredis';
import type { EngineContext } from '../engine-context.js';
import type { Keyspace } from '../store/keyspace.js';

/** One delivery attempt, as kept and as returned by {@link deliveryHistory}. */
export interface DeliveryAttempt {
  /** When the attempt started, epoch ms. */
  at: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** `delivered` (2xx), `gone` (410: no retries), `failed` (anything else, or no answer). */
  result: 'delivered' | 'failed' | 'gone';
  /** The HTTP status, null when no answer came. */
  status: number | null;
  /** How long the attempt took. */
  ms: number;
  /** Why it failed (`HTTP 503`, `ECONNREFUSED: …`); absent when delivered. */
  error?: string;
}

/** Attempts kept per event (the newest; MAX_ATTEMPTS can be more). */
export const ATTEMPTS_KEPT = 50;

const RECORD_CMD = 'llreconWebhookAttempt';

// KEYS: 1 attempts list, 2 settled marker. ARGV: 1 attempt JSON, 2 cap, 3 ttl ms, 4 version to settle or ''.
const RECORD_LUA = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] ~= '' then
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tonumber(ARGV[4]) > cur then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
  else redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
end
return 1
`;

type Ctx = Pick<EngineContext, 'redis' | 'ks'>;

const attemptsKey = (ks: Keyspace, eventId: string) => `${ks.base}:webhooks:attempts:${eventId}`;
const settledKey = (ks: Keyspace, noOrder: string) => `${ks.base}:webhooks:settled:${noOrder}`;

function recordScript(redis: Redis | Cluster): (...args: Array<string | number>) => Promise<unknown> {
  const target = redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>;
  if (typeof target[RECORD_CMD] !== 'function') redis.defineCommand(RECORD_CMD, { numberOfKeys: 2, lua: RECORD_LUA });
  return (target[RECORD_CMD] as (...args: Array<string | number>) => Promise<unknown>).bind(redis);
}

/**
 * Appends an attempt to the event's history and, when `settle`, raises the order's settled version to the
 * event's, in one step.
 */
export async function recordAttempt(
  ctx: Ctx & Pick<EngineContext, 'config'>,
  event: { id: string; no: string; v: number },
  attempt: DeliveryAttempt,
  settle: boolean,
): Promise<void> {
  const ttlMs = ctx.config.eventsRetentionMs + 86_400_000;
  await recordScript(ctx.redis)(
    attemptsKey(ctx.ks, event.id),
    settledKey(ctx.ks, event.no),
    JSON.stringify(attempt),
    ATTEMPTS_KEPT,
    ttlMs,
    settle ? event.v : '',
  );
}

/** The highest settled version of each order (0 when none), in the order asked. */
export async function settledVersions(ctx: Ctx, noOrders: readonly string[]): Promise<number[]> {
  if (noOrders.length === 0) return [];
  const values = await ctx.redis.mget(...noOrders.map((no) => settledKey(ctx.ks, no)));
  return values.map((v) => (v === null ? 0 : Number(v)));
}

/** The delivery attempts of an event (by its CloudEvent id), oldest first; empty when none are kept. */
export async function deliveryHistory(ctx: Ctx, eventId: string): Promise<DeliveryAttempt[]> {
  const rows = await ctx.redis.lrange(attemptsKey(ctx.ks, eventId), 0, -1);
  return rows.map((r) => JSON.parse(r) as DeliveryAttempt);
}
