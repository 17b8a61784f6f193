// The BullMQ queues of one llrecon deployment, all under the keyspace's prefix (hash-tagged on a Cluster).
import { Queue, type ConnectionOptions, type JobsOptions, type Worker } from 'bullmq';
import { withTimeout } from '../timeout.js';
import { QUEUE, type ConfirmJobData, type NotifyJobData, type PollJobData } from './names.js';

/** Retries of a job whose processor threw (Redis down, a bug): capped exponential, the queue owns them. */
export function jobRetryDelay(attemptsMade: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/** Worker lock tuning: how soon a killed worker's jobs are recovered (BullMQ default: 30 s lock). */
export interface WorkerTuning {
  lockDurationMs?: number;
}

export function lockOptions(t: WorkerTuning): { lockDuration?: number; stalledInterval?: number } {
  return t.lockDurationMs ? { lockDuration: t.lockDurationMs, stalledInterval: Math.max(250, Math.floor(t.lockDurationMs / 2)) } : {};
}

/** How long notify jobs (and so their ids, which collapse exact duplicates) are kept after success. */
export const NOTIFY_DEDUP_SECONDS = 24 * 3600;

// A poll job carries no options of its own (only its id and delay): a waiting order is then a small hash that
// Redis keeps in its compact encoding. Not-final answers re-schedule the job with moveToDelayed (no attempt
// burned); the processor turns its own errors into a delayed retry too, and the worker removes completed jobs.
const POLL_DEFAULTS: JobsOptions = {};

const CONFIRM_DEFAULTS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'custom' },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

const NOTIFY_DEFAULTS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'custom' },
  removeOnComplete: { age: NOTIFY_DEDUP_SECONDS },
  removeOnFail: false,
};

export interface LlreconQueues {
  poll: Queue<PollJobData>;
  confirm: Queue<ConfirmJobData>;
  notify: Queue<NotifyJobData>;
  all: Queue[];
}

export function createQueues(connection: ConnectionOptions, prefix: string): LlreconQueues {
  const poll = new Queue<PollJobData>(QUEUE.poll, { connection, prefix, defaultJobOptions: POLL_DEFAULTS });
  const confirm = new Queue<ConfirmJobData>(QUEUE.confirm, { connection, prefix, defaultJobOptions: CONFIRM_DEFAULTS });
  const notify = new Queue<NotifyJobData>(QUEUE.notify, { connection, prefix, defaultJobOptions: NOTIFY_DEFAULTS });
  return { poll, confirm, notify, all: [poll, confirm, notify] as Queue[] };
}

export async function closeQueues(q: LlreconQueues): Promise<void> {
  await Promise.allSettled(q.all.map((x) => x.close()));
}

/**
 * Stops `worker` taking jobs and gives its jobs in flight `graceMs` to finish; then closes it hard, handing those
 * still running back to the queue (they are recovered as stalled).
 */
export async function closeWorker(worker: Worker, graceMs: number): Promise<void> {
  const timedOut = await withTimeout(
    worker.close().then(() => false),
    graceMs,
    () => true,
  );
  if (timedOut) await worker.close(true);
}
