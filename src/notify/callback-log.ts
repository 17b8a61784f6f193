// Callbacks that changed nothing, kept (newest first, capped) for operators: rejected ones with their reason —
// refused at the door (a sampled, scrubbed record) or by the notify workers — and verified ones for orders
// llrecon does not track. A rejected callback naming a tracked order is also kept in that order's own list, apart
// from its timeline: strangers' callbacks never push out an order's queries and answers. Written once per callback
// behind a marker (OrderStore.noteCallback).
import type { EngineContext } from '../engine-context.js';
import type { CallbackRecord } from '../engine-types.js';
import type { Keyspace } from '../store/keyspace.js';
import type { TimelineEntry } from '../store/order-record.js';

export const CALLBACK_LOG_CAP = 1000;

/** How long a door record's marker keeps the same forged content from being recorded again. */
export const REJECTED_MARKER_MS = 10 * 60_000;

function keyFor(ks: Keyspace, verdict: CallbackRecord['verdict']): string {
  return verdict === 'rejected' ? ks.rejectedCallbacks : ks.untrackedCallbacks;
}

/** Where and how `rec` is kept: the argument `kept` of OrderStore.noteCallback. */
export function callbackLogEntry(ks: Keyspace, rec: CallbackRecord): { logKey: string; logCap: number; json: string } {
  return { logKey: keyFor(ks, rec.verdict), logCap: CALLBACK_LOG_CAP, json: JSON.stringify(rec) };
}

export async function listCallbacks(
  ctx: Pick<EngineContext, 'ks' | 'redis'>,
  verdict: CallbackRecord['verdict'],
  limit: number,
): Promise<CallbackRecord[]> {
  const rows = await ctx.redis.lrange(keyFor(ctx.ks, verdict), 0, Math.max(0, limit - 1));
  return rows.map((r) => JSON.parse(r) as CallbackRecord);
}

/** The rejected callbacks naming `noOrder`, newest first (its own capped list, apart from the timeline). */
export async function listOrderRejected(
  ctx: Pick<EngineContext, 'ks' | 'redis'>,
  noOrder: string,
  limit: number,
): Promise<TimelineEntry[]> {
  if (limit <= 0) return [];
  const rows = await ctx.redis.lrange(ctx.ks.orderRejectedCallbacks(noOrder), 0, limit - 1);
  return rows.map((r) => JSON.parse(r) as TimelineEntry);
}
