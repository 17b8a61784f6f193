// Callbacks the notify workers did not apply, kept (newest first, capped) for operators: rejected ones with
// their reason, and verified ones for orders llrecon does not track. They are written with the callback's
// timeline entry, once per callback (OrderStore.noteCallback).
import type { EngineContext } from '../engine-context.js';
import type { CallbackRecord } from '../engine-types.js';
import type { Keyspace } from '../store/keyspace.js';

export const CALLBACK_LOG_CAP = 1000;

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
