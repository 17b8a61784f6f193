// The notify queue's processor: the careful half of callback handling (src/notify/handle-callback.ts).
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { handleCallback } from '../src/notify/handle-callback.js';
import { QUEUE, type NotifyJobData } from '../src/queues/names.js';
import { jobRetryDelay, lockOptions, type WorkerTuning } from '../src/queues/queues.js';

export function createNotifyWorker(ctx: EngineContext, connection: ConnectionOptions, tuning: WorkerTuning = {}): Worker<NotifyJobData> {
  return new Worker<NotifyJobData>(QUEUE.notify, async (job: Job<NotifyJobData>) => handleCallback(ctx, job.data), {
    connection,
    prefix: ctx.ks.bullPrefix,
    concurrency: 8,
    autorun: false,
    maxStalledCount: 1_000_000,
    settings: { backoffStrategy: jobRetryDelay },
    ...lockOptions(tuning),
  });
}
