// Confirming queries: an operator's re-query or a verified callback makes the order's query run now.
import type { EngineContext } from '../engine-context.js';
import type { ActionMeta } from '../engine-types.js';
import { confirmDedupId } from '../queues/names.js';

/**
 * Queue a confirming query for `noOrder`. At most one waits per order (BullMQ deduplication with
 * keepLastIfActive: one running, one queued). An operator's re-query is recorded in the order's history first.
 * @returns false when the order is not tracked.
 */
export async function requestConfirm(
  ctx: Pick<EngineContext, 'store' | 'queues' | 'now'>,
  noOrder: string,
  via: 'notify' | 'requery',
  meta?: ActionMeta,
): Promise<boolean> {
  if (via === 'requery') {
    const recorded = await ctx.store.addAction(noOrder, {
      at: ctx.now(),
      actor: meta?.actor ?? meta?.source ?? 'operator',
      reason: meta?.reason ?? '',
      action: 'requery',
    });
    if (!recorded) return false;
  } else if (!(await ctx.store.get(noOrder))) {
    return false;
  }
  await ctx.queues.confirm.add('confirm', { no: noOrder, via }, { deduplication: { id: confirmDedupId(noOrder), keepLastIfActive: true } });
  return true;
}
