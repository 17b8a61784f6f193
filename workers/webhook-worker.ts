// Webhook deliveries: one `webhook` job per event. Each attempt waits for the order's previous event to be
// settled (order-gate.ts), POSTs the event, records the attempt, and then:
//   2xx      delivered: the job completes and the order's next event is woken;
//   410      the endpoint asks for no more: UnrecoverableError, the job fails for good (no retries);
//   else     a failed attempt: the job throws and BullMQ retries it on the retry policy (custom backoff,
//            honouring Retry-After); after the last attempt it stays in the failed set, retryable from the
//            job dashboard.
// An attempt interrupted by a killed process is made again (the job stalls and comes back), so a receiver can
// see an event twice: it dedupes on `webhook-id`, as Standard Webhooks asks.
import type { Got } from 'got';
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { EngineContext } from '../src/engine-context.js';
import { LlreconError } from '../src/errors.js';
import { QUEUE } from '../src/queues/names.js';
import { lockOptions, type WorkerTuning } from '../src/queues/queues.js';
import { nextEventId, webhookJobId, type WebhookJobData } from '../src/webhooks/delivery-job.js';
import { recordAttempt } from '../src/webhooks/delivery-log.js';
import type { WebhookMetrics } from '../src/webhooks/metrics.js';
import { orderGate, orderWaitMs } from '../src/webhooks/order-gate.js';
import { postEvent } from '../src/webhooks/post-event.js';
import { retryDelay, type RetryPolicy } from '../src/webhooks/retry-policy.js';
import { WEBHOOK_GROUP } from '../src/webhooks/stream-consumer.js';

/** A failed attempt, carrying the receiver's Retry-After (ms) to the backoff strategy. */
class FailedAttempt extends LlreconError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super('LLRECON_WEBHOOK_DELIVERY', message);
  }
}

/** What the worker delivers to, and how it retries (see createWebhookSink, which builds these). */
export interface WebhookWorkerOptions {
  queue: Queue<WebhookJobData>;
  url: string;
  secret: string;
  http: Got;
  policy: RetryPolicy;
  metrics: WebhookMetrics;
  /** The shortest wait of a delivery whose predecessor is not settled (default 1 s). */
  orderWaitMs?: number;
  tuning?: WorkerTuning;
}

/** How many deliveries one process attempts at once. */
const CONCURRENCY = 8;

/** The receiver's Retry-After carried by a failed attempt (other errors carry none). */
function retryAfterOf(err: Error | undefined): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof v === 'number' ? v : undefined;
}

/** Make the order's next event, if it is only waiting for this one, go now. */
async function wakeSuccessor(queue: Queue<WebhookJobData>, d: WebhookJobData): Promise<void> {
  const next = await queue.getJob(webhookJobId(nextEventId(d.id, d.v)));
  if (next && next.attemptsMade === 0 && (await next.isDelayed())) await next.promote().catch(() => undefined);
}

/** The worker of the `webhook` queue (not running: call run()). */
export function createWebhookWorker(ctx: EngineContext, connection: ConnectionOptions, o: WebhookWorkerOptions): Worker<WebhookJobData> {
  const minWait = o.orderWaitMs ?? 1000;

  const deliver = async (job: Job<WebhookJobData>, token?: string) => {
    const d = job.data;
    if ((await orderGate(ctx, o.queue, WEBHOOK_GROUP, d)) === 'wait') {
      await job.moveToDelayed(Date.now() + orderWaitMs(Date.now() - job.timestamp, minWait), token);
      throw new DelayedError();
    }
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const at = ctx.now();
    const r = await postEvent(o.http, { url: o.url, secret: o.secret }, { id: d.id, body: d.body }, at);
    o.metrics.deliveries.inc({ result: r.result });
    o.metrics.latency.observe({ result: r.result }, r.ms / 1000);
    const settle = r.result !== 'failed' || last;
    await recordAttempt(
      ctx,
      d,
      { at, attempt, result: r.result, status: r.status, ms: r.ms, ...(r.error === undefined ? {} : { error: r.error }) },
      settle,
    );
    if (settle) await wakeSuccessor(o.queue, d);
    const about = { event: d.id, no_order: d.no, attempt, status: r.status };
    if (r.result === 'delivered') {
      ctx.log.debug({ ...about, ms: r.ms }, 'webhook delivered');
      return { status: r.status, attempt };
    }
    if (r.result === 'gone') {
      ctx.log.error(about, 'webhook endpoint answered 410 Gone: this event will not be retried (retry it from the job dashboard)');
      throw new UnrecoverableError('HTTP 410 Gone: the endpoint asks for no more deliveries');
    }
    if (last) ctx.log.error({ ...about, error: r.error }, 'webhook delivery given up after the last attempt (retry it from the job dashboard)');
    else ctx.log.warn({ ...about, error: r.error }, 'webhook delivery failed; will retry');
    throw new FailedAttempt(`attempt ${attempt}: ${r.error ?? 'failed'}`, r.retryAfterMs);
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
