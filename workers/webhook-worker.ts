// The webhook queue's processor: one delivery attempt per run (src/webhooks/deliver.ts), its outcome turned
// into BullMQ's terms — delayed (no attempt used), completed, failed for good (410), or retried on the policy.
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { LlreconError } from '../src/errors.js';
import { QUEUE } from '../src/queues/names.js';
import { lockOptions } from '../src/queues/queues.js';
import type { WebhookJobData } from '../src/webhooks/delivery-job.js';
import { deliverOnce, type WebhookWorkerOptions } from '../src/webhooks/deliver.js';
import { retryDelay } from '../src/webhooks/retry-policy.js';

/** A failed attempt, carrying the receiver's Retry-After (ms) to the backoff strategy. */
class FailedAttempt extends LlreconError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super('LLRECON_WEBHOOK_DELIVERY', message);
  }
}

/** How many deliveries one process attempts at once. */
const CONCURRENCY = 8;

/** The receiver's Retry-After carried by a failed attempt (other errors carry none). */
function retryAfterOf(err: Error | undefined): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof v === 'number' ? v : undefined;
}

/** The worker of the `webhook` queue (not running: call run()). */
export function createWebhookWorker(ctx: EngineContext, connection: ConnectionOptions, o: WebhookWorkerOptions): Worker<WebhookJobData> {
  const deliver = async (job: Job<WebhookJobData>, token?: string) => {
    const r = await deliverOnce(ctx, o, job);
    switch (r.kind) {
      case 'wait':
        await job.moveToDelayed(Date.now() + r.delayMs, token);
        throw new DelayedError();
      case 'delivered':
        return { status: r.status, attempt: r.attempt };
      case 'gone':
        throw new UnrecoverableError('HTTP 410 Gone: the endpoint asks for no more deliveries');
      case 'failed':
        throw new FailedAttempt(r.message, r.retryAfterMs);
    }
  };

  return new Worker<WebhookJobData>(QUEUE.webhook, deliver, {
    connection,
    prefix: ctx.ks.bullPrefix,
    concurrency: CONCURRENCY,
    autorun: false,
    // a killed worker's deliveries come back after the lock expires; stalling never uses up an event
    maxStalledCount: 1_000_000,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
        retryDelay(o.policy, attemptsMade, ctx.random(), retryAfterOf(err)),
    },
    ...lockOptions(o.tuning ?? {}),
  });
}
