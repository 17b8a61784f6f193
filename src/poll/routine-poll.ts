// A routine poll of one order: query it once and say when to poll it next (null: never again).
import type { EngineContext } from '../engine-context.js';
import { pollOnce } from './query-order.js';

/** How long a poll that failed on our side (not LianLian's) waits before it runs again. */
export const POLL_ERROR_RETRY_MS = 30_000;

/**
 * Polls `noOrder` once. Returns the delay in ms until its next routine poll, or null when it is final or gone.
 * Our own trouble (e.g. Redis going away — LianLian's answers never throw) is logged and retried after
 * {@link POLL_ERROR_RETRY_MS}.
 */
export async function routinePoll(ctx: EngineContext, noOrder: string): Promise<number | null> {
  try {
    const r = await pollOnce(ctx, noOrder, 'poll', 'routine');
    return r.final || r.nextDelay === null ? null : r.nextDelay;
  } catch (err) {
    ctx.log.error({ no_order: noOrder, err: (err as Error).message }, 'poll failed; retrying');
    return POLL_ERROR_RETRY_MS;
  }
}
