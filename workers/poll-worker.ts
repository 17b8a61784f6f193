// Routine polls: one BullMQ job per non-final order. A not-final answer re-schedules the same job with
// moveToDelayed + DelayedError, which burns no attempt; so does an error of our own (a later retry). If even
// that cannot be written, the job fails and the janitor (src/poll/ensure-poll-jobs.ts) puts it back.
// Each run first reads when the poll was due and whether an operator untracked the order (one HMGET): an untracked
// order's job ends there (untrackOrder removes the job, but not one that was running), and how late the poll ran
// is observed as llrecon_poll_lag_seconds.
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Histogram, type Registry } from 'prom-client';
import type { EngineContext } from '../src/engine-context.js';
import { routinePoll } from '../src/poll/routine-poll.js';
import { QUEUE, type PollJobData } from '../src/queues/names.js';
import { lockOptions, type WorkerTuning } from '../src/queues/queues.js';
import { HASH_FIELD } from '../src/store/order-record.js';
import { UNTRACK_FIELD } from '../src/store/scripts/untrack.js';

export const POLL_LAG_METRIC = 'llrecon_poll_lag_seconds';

/** The poll-lag histogram of `registry` (one per registry, whichever worker asks first). */
export function pollLagHistogram(registry: Registry): Histogram {
  const existing = registry.getSingleMetric(POLL_LAG_METRIC);
  if (existing) return existing as Histogram;
  return new Histogram({
    name: POLL_LAG_METRIC,
    help:
      'How late routine polls ran: from when each was due (its next_poll_at) to when its query was answered — waiting for a ' +
      'worker, waiting under the rate cap, and the query itself',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });
}

export function createPollWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<PollJobData> {
  const lag = pollLagHistogram(ctx.metrics.registry);
  return new Worker<PollJobData>(
    QUEUE.poll,
    async (job: Job<PollJobData>, token?: string) => {
      const [untracked, dueAt] = await ctx.redis.hmget(ctx.ks.order(job.data.no), UNTRACK_FIELD.at, HASH_FIELD.next_poll_at);
      if (untracked !== null) return undefined;
      const delay = await routinePoll(ctx, job.data.no);
      if (dueAt !== null) lag.observe(Math.max(0, ctx.now() - Number(dueAt)) / 1000);
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
