// The optional webhook sink (on when EVENTS_WEBHOOK_URL / EVENTS_WEBHOOK_SECRET are set): the event stream's
// consumer group `webhooks` queues one `webhook` job per event (stream-consumer.ts), and the webhook worker
// POSTs each, signed the Standard Webhooks way, in order per order, retried for about three days
// (src/webhooks/deliver.ts, run by workers/webhook-worker.ts). Failed deliveries stay in the queue's failed set, retryable from the dashboard.
//
//   const sink = createWebhookSink(ctx, workerConnection, config.webhook, createWebhookWorker);  // the queue only: cheap
//   await sink.start();   // in processes that deliver; list sink.queue in engine.queues (the dashboard) anyway
//   ...; await sink.close();
import { Queue, type ConnectionOptions, type JobsOptions, type Worker } from 'bullmq';
import type { Got } from 'got';
import { closeHttpClient, createHttpClient } from '../clients/http.js';
import { maskUrl } from '../config.js';
import type { EngineContext } from '../engine-context.js';
import { QUEUE } from '../queues/names.js';
import { closeWorker, type WorkerTuning } from '../queues/queues.js';
import type { WebhookJobData } from './delivery-job.js';
import type { WebhookWorkerOptions } from './deliver.js';
import { webhookMetrics } from './metrics.js';
import { DELIVERY_TIMEOUT_MS } from './post-event.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { startEventConsumer, type EventConsumer } from './stream-consumer.js';

/** Lock and wait tuning: tests shorten them; production keeps the defaults. */
export interface WebhookTuning extends WorkerTuning {
  /**
   * How long a stream entry read by a consumer may stay unqueued before another consumer takes it over
   * (default: lockDurationMs, else 30 s, BullMQ's lock).
   */
  claimIdleMs?: number;
  /** The shortest wait of a delivery whose predecessor is not settled yet (default 1 s). */
  orderWaitMs?: number;
}

export interface WebhookSinkOptions {
  url: string;
  /** `whsec_` followed by base64. */
  secret: string;
  tuning?: WebhookTuning;
  /** The retry schedule (default: DEFAULT_RETRY_POLICY, about three days). */
  retry?: RetryPolicy;
}

export interface WebhookSink {
  /** The `webhook` queue (for the job dashboard and metrics). */
  queue: Queue<WebhookJobData>;
  /** Start reading the stream and delivering (idempotent). Processes that only show the queue never call it. */
  start(): Promise<void>;
  /** Stop reading, let attempts in flight finish (up to one attempt's timeout), close the queue. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for attempts in flight: one attempt's timeout, and a little more. */
const CLOSE_GRACE_MS = DELIVERY_TIMEOUT_MS + 1000;
/** Delivered jobs are kept this long (the job id then also stops a re-read event from being queued again). */
const KEEP_COMPLETED_SECONDS = 24 * 3600;

/** Builds the `webhook` queue's worker (workers/webhook-worker.ts; the composition root passes it in). */
export type WebhookWorkerFactory = (ctx: EngineContext, connection: ConnectionOptions, o: WebhookWorkerOptions) => Worker<WebhookJobData>;

/** The webhook sink of one process; `connection` is a BullMQ worker connection (maxRetriesPerRequest: null). */
export function createWebhookSink(
  ctx: EngineContext,
  connection: ConnectionOptions,
  opts: WebhookSinkOptions,
  createWebhookWorker: WebhookWorkerFactory,
): WebhookSink {
  const policy = opts.retry ?? DEFAULT_RETRY_POLICY;
  const tuning = opts.tuning ?? {};
  const defaults: JobsOptions = {
    attempts: policy.maxAttempts,
    backoff: { type: 'custom' },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: false,
  };
  const queue = new Queue<WebhookJobData>(QUEUE.webhook, { connection, prefix: ctx.ks.bullPrefix, defaultJobOptions: defaults });
  let running: { worker: Worker<WebhookJobData>; consumer: EventConsumer; http: Got } | null = null;
  let state: 'new' | 'started' | 'closed' = 'new';

  return {
    queue,

    async start() {
      if (state !== 'new') return;
      state = 'started';
      const http = createHttpClient({ timeoutMs: DELIVERY_TIMEOUT_MS, userAgent: 'llrecon-webhooks' });
      const worker = createWebhookWorker(ctx, connection, {
        queue,
        url: opts.url,
        secret: opts.secret,
        http,
        policy,
        metrics: webhookMetrics(ctx.metrics.registry),
        ...(tuning.orderWaitMs === undefined ? {} : { orderWaitMs: tuning.orderWaitMs }),
        tuning,
      });
      worker.on('error', (err) => ctx.log.error({ err: err.message, queue: worker.name }, 'webhook worker error'));
      void worker.run();
      const consumer = startEventConsumer(ctx, queue, { claimIdleMs: tuning.claimIdleMs ?? tuning.lockDurationMs ?? 30_000 });
      running = { worker, consumer, http };
      ctx.log.info({ url: maskUrl(opts.url), consumer: consumer.name }, 'webhook sink started');
    },

    async close() {
      if (state === 'closed') return;
      state = 'closed';
      if (running) {
        const { worker, consumer, http } = running;
        await consumer.stop();
        await closeWorker(worker, CLOSE_GRACE_MS);
        closeHttpClient(http);
      }
      await queue.close();
    },
  };
}
