// Callbacks the notify workers did not apply, kept (newest first, capped) for operators: rejected ones with
// their reason, and verified ones for orders llrecon does not track.
import type { EngineContext } from '../engine-context.js';
import type { CallbackRecord } from '../engine-types.js';

export const CALLBACK_LOG_CAP = 1000;

function keyFor(ctx: Pick<EngineContext, 'ks'>, verdict: CallbackRecord['verdict']): string {
  return verdict === 'rejected' ? ctx.ks.rejectedCallbacks : ctx.ks.untrackedCallbacks;
}

export async function recordCallback(ctx: Pick<EngineContext, 'ks' | 'redis'>, rec: CallbackRecord): Promise<void> {
  const key = keyFor(ctx, rec.verdict);
  await ctx.redis.multi().lpush(key, JSON.stringify(rec)).ltrim(key, 0, CALLBACK_LOG_CAP - 1).exec();
}

export async function listCallbacks(
  ctx: Pick<EngineContext, 'ks' | 'redis'>,
  verdict: CallbackRecord['verdict'],
  limit: number,
): Promise<CallbackRecord[]> {
  const rows = await ctx.redis.lrange(keyFor(ctx, verdict), 0, Math.max(0, limit - 1));
  return rows.map((r) => JSON.parse(r) as CallbackRecord);
}
