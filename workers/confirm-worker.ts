// The confirm queue's processor: a confirming query of one order (src/poll/confirm-order.ts), ahead of routine
// polls at the rate cap.
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { confirmOrder } from '../src/poll/confirm-order.js';
import { QUEUE, type ConfirmJobData } from '../src/queues/names.js';
import { jobRetryDelay, lockOptions, type WorkerTuning } from '../src/queues/queues.js';

export function createConfirmWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<ConfirmJobData> {
  return new Worker<ConfirmJobData>(QUEUE.confirm, async (job: Job<ConfirmJobData>) => confirmOrder(ctx, job.data.no, job.data.via), {
    connection,
    prefix: ctx.ks.bullPrefix,
    concurrency: Math.max(1, Math.ceil(ctx.config.queryConcurrency / 4)),
    autorun: false,
    maxStalledCount: 1_000_000,
    settings: { backoffStrategy: jobRetryDelay },
    ...lockOptions(tuning),
  });
}
