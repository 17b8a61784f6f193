// What the webhook sink keeps in Redis besides its queue, under `<base>:webhooks:` (not `<base>:webhook:`,
// which is the BullMQ queue's and is wiped with it):
//   <base>:webhooks:attempts:<event id>   list     JSON attempts, oldest first, capped at ATTEMPTS_KEPT
//   <base>:webhooks:settled:<no_order>    string   the highest version of the order whose delivery is settled:
//                                                  delivered, or given up (410, or out of attempts)
// Both expire EVENTS_RETENTION + 1 day after their last write: by then the events themselves are gone. The keys
// are built by store/keyspace.ts, the write is one script (store/scripts/webhook-attempt.ts).
import type { EngineContext } from '../engine-context.js';
import { defineScripts } from '../store/scripts/index.js';
import { runWebhookAttempt } from '../store/scripts/webhook-attempt.js';

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

type Ctx = Pick<EngineContext, 'redis' | 'ks'>;

/**
 * Appends an attempt to the event's history and, when `settle`, raises the order's settled version to the
 * event's, in one step.
 */
export async function recordAttempt(
  ctx: Ctx & { config: Pick<EngineContext['config'], 'eventsRetentionMs'> },
  event: { id: string; no: string; v: number },
  attempt: DeliveryAttempt,
  settle: boolean,
): Promise<void> {
  // the store defines the scripts on the connection it shares; a sink given another one defines them here
  defineScripts(ctx.redis);
  await runWebhookAttempt(ctx.redis, ctx.ks, {
    eventId: event.id,
    noOrder: event.no,
    attempt: JSON.stringify(attempt),
    kept: ATTEMPTS_KEPT,
    ttlMs: ctx.config.eventsRetentionMs + 86_400_000,
    settleVersion: settle ? event.v : null,
  });
}

/** The highest settled version of each order (0 when none), in the order asked. */
export async function settledVersions(ctx: Ctx, noOrders: readonly string[]): Promise<number[]> {
  if (noOrders.length === 0) return [];
  const values = await ctx.redis.mget(...noOrders.map((no) => ctx.ks.webhookSettled(no)));
  return values.map((v) => (v === null ? 0 : Number(v)));
}

/** The delivery attempts of an event (by its CloudEvent id), oldest first; empty when none are kept. */
export async function deliveryHistory(ctx: Ctx, eventId: string): Promise<DeliveryAttempt[]> {
  const rows = await ctx.redis.lrange(ctx.ks.webhookAttempts(eventId), 0, -1);
  return rows.map((r) => JSON.parse(r) as DeliveryAttempt);
}
