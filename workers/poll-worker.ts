// Routine polls: one BullMQ job per non-final order. A not-final answer re-schedules the same job with
// moveToDelayed + DelayedError, which burns no attempt; so does an error of our own (a later retry). If even
// that cannot be written, the job fails and the janitor (src/poll/ensure-poll-jobs.ts) puts it back.
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { routinePoll } from '../src/poll/routine-poll.js';
import { QUEUE, type PollJobData } from '../src/queues/names.js';
import { lockOptions, type WorkerTuning } from '../src/queues/queues.js';

export function createPollWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<PollJobData> {
  return new Worker<PollJobData>(
    QUEUE.poll,
    async (job: Job<PollJobData>, token?: string) => {
      const delay = await routinePoll(ctx, job.data.no);
      if (delay === null) return undefined;
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    },
    {
      connection,
      prefix: ctx.ks.bullPrefix,
      concurrency: ctx.config.queryConcurrency,
      removeOnComplete: { count: 0 },
      autorun: false,
      // a killed worker's jobs come back after the lock expires; never give up on an order for stalling
      maxStalledCount: 1_000_000,
      ...lockOptions(tuning),
    },
  );
}
