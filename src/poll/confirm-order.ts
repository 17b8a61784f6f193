// Confirming queries: asked for by a verified LianLian callback (via notify) or an operator (via requery).
// They go ahead of routine polls at the rate cap, then put the order's routine poll back on the schedule
// of its (possibly new) state.
import type { EngineContext } from '../engine-context.js';
import { pollJobId } from '../queues/names.js';
import { pollOnce, type PollResult } from './query-order.js';

/** Align the routine poll job with what a confirming query found. */
export async function reschedulePoll(ctx: EngineContext, noOrder: string, r: PollResult): Promise<void> {
  if (r.gone) return;
  const job = await ctx.queues.poll.getJob(pollJobId(noOrder));
  if (r.final || r.nextDelay === null) {
    // the poll job, if still delayed, has nothing left to do; if it is running it will see the final state
    if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
    return;
  }
  if (!job) {
    // a poll job lost: polling resumes (a final order never moves again, but abandoned to another final state)
    await ctx.queues.poll.add('poll', { no: noOrder }, { jobId: pollJobId(noOrder), delay: r.nextDelay });
    return;
  }
  if (await job.isDelayed()) await job.changeDelay(r.nextDelay).catch(() => undefined);
}

/** One confirming query of `noOrder`, then its routine poll realigned; the confirm job's result. */
export async function confirmOrder(
  ctx: EngineContext,
  noOrder: string,
  via: 'notify' | 'requery',
): Promise<{ state: PollResult['state']; changed: boolean }> {
  const r = await pollOnce(ctx, noOrder, via, 'high');
  await reschedulePoll(ctx, noOrder, r);
  return { state: r.state, changed: r.changed };
}
