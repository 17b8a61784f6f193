// Routine polls: one BullMQ job per non-final order. A not-final answer re-schedules the same job with
// moveToDelayed + DelayedError, which burns no attempt; so does an error of our own (a later retry).
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { QUEUE, type PollJobData } from '../src/queues/names.js';
import { lockOptions, type WorkerTuning } from '../src/queues/queues.js';
import { pollOnce } from './poll-once.js';

/** How long a poll that failed on our side (not LianLian's) waits before it runs again. */
export const POLL_ERROR_RETRY_MS = 30_000;

export function createPollWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<PollJobData> {
  return new Worker<PollJobData>(
    QUEUE.poll,
    async (job: Job<PollJobData>, token?: string) => {
      let delay: number;
      try {
        const r = await pollOnce(ctx, job.data.no, 'poll', 'routine');
        if (r.final || r.nextDelay === null) return { state: r.state };
        delay = r.nextDelay;
      } catch (err) {
        // not an answer from LianLian (those never throw) but our own trouble, e.g. Redis going away: try again
        // later; if even that cannot be written, the job fails and the janitor puts it back
        ctx.log.error({ no_order: job.data.no, err: (err as Error).message }, 'poll failed; retrying');
        delay = POLL_ERROR_RETRY_MS;
      }
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
