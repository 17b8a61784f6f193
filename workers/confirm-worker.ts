// Confirming queries: asked for by a verified LianLian callback (via notify) or an operator (via requery).
// They go ahead of routine polls at the rate cap, then put the order's routine poll back on the schedule
// of its (possibly new) state.
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { QUEUE, pollJobId, type ConfirmJobData } from '../src/queues/names.js';
import { jobRetryDelay, lockOptions, type WorkerTuning } from '../src/queues/queues.js';
import { pollOnce, type PollResult } from './poll-once.js';

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
    // a final order that a re-query found moving again, or a poll job lost: polling resumes
    await ctx.queues.poll.add('poll', { no: noOrder }, { jobId: pollJobId(noOrder), delay: r.nextDelay });
    return;
  }
  if (await job.isDelayed()) await job.changeDelay(r.nextDelay).catch(() => undefined);
}

export function createConfirmWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<ConfirmJobData> {
  return new Worker<ConfirmJobData>(
    QUEUE.confirm,
    async (job: Job<ConfirmJobData>) => {
      const r = await pollOnce(ctx, job.data.no, job.data.via, 'high');
      await reschedulePoll(ctx, job.data.no, r);
      return { state: r.state, changed: r.changed };
    },
    {
      connection,
      prefix: ctx.ks.bullPrefix,
      concurrency: Math.max(1, Math.ceil(ctx.config.queryConcurrency / 4)),
      autorun: false,
      maxStalledCount: 1_000_000,
      settings: { backoffStrategy: jobRetryDelay },
      ...lockOptions(tuning),
    },
  );
}
