// Routine polls: one BullMQ job per non-final order. A not-final answer re-schedules the same job with
// moveToDelayed + DelayedError, which burns no attempt; attempts only count errors the processor throws.
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { QUEUE, type PollJobData } from '../src/queues/names.js';
import { jobRetryDelay, lockOptions, type WorkerTuning } from '../src/queues/queues.js';
import { pollOnce } from './poll-once.js';

export function createPollWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<PollJobData> {
  return new Worker<PollJobData>(
    QUEUE.poll,
    async (job: Job<PollJobData>, token?: string) => {
      const r = await pollOnce(ctx, job.data.no, 'poll', 'routine');
      if (r.final || r.nextDelay === null) return { state: r.state };
      await job.moveToDelayed(Date.now() + r.nextDelay, token);
      throw new DelayedError();
    },
    {
      connection,
      prefix: ctx.ks.bullPrefix,
      concurrency: ctx.config.queryConcurrency,
      autorun: false,
      // a killed worker's jobs come back after the lock expires; never give up on an order for stalling
      maxStalledCount: 1_000_000,
      settings: { backoffStrategy: jobRetryDelay },
      ...lockOptions(tuning),
    },
  );
}
