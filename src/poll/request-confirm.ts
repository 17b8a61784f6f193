// Confirming queries: an operator's re-query or a verified callback makes the order's query run now.
import type { EngineContext } from '../engine-context.js';
import type { ActionMeta } from '../engine-types.js';
import { confirmDedupId, pollJobId } from '../queues/names.js';

export interface ConfirmOptions {
  /**
   * `ahead` (default): a confirm job, whose query goes ahead of routine polls at the rate cap.
   * `routine`: the order's own routine poll job is made due now (promoted from delayed), so its query waits its
   * turn among routine polls and many such requests (a settlement file's) cannot starve them; an order with no poll
   * job (a final order, or one whose job is lost) has no routine poll to move, and gets a confirm job as with `ahead`.
   */
  urgency?: 'ahead' | 'routine';
}

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
  options: ConfirmOptions = {},
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
  if (options.urgency === 'routine' && (await promotePoll(ctx, noOrder))) return true;
  await ctx.queues.confirm.add('confirm', { no: noOrder, via }, { deduplication: { id: confirmDedupId(noOrder), keepLastIfActive: true } });
  return true;
}

/** Makes the order's routine poll due now; false when it has no poll job to move. */
async function promotePoll(ctx: Pick<EngineContext, 'queues'>, noOrder: string): Promise<boolean> {
  const job = await ctx.queues.poll.getJob(pollJobId(noOrder));
  if (!job) return false;
  // waiting or running already: a routine query of the order is under way, nothing to move
  if (await job.isDelayed()) await job.promote().catch(() => undefined);
  return true;
}
