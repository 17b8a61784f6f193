// One webhook delivery attempt, start to end: wait for the order's previous event to be settled
// (order-gate.ts; settlement events, in no order's sequence, do not wait), POST the event, record the attempt, wake the order's next event. The worker
// (workers/webhook-worker.ts) turns the outcome into BullMQ's terms:
//   delivered  2xx: the job completes;
//   gone       410, the endpoint asks for no more: the job fails for good (no retries);
//   failed     any other failure: BullMQ retries it on the retry policy (honouring Retry-After); after the last
//              attempt it stays in the failed set, retryable from the job dashboard;
//   wait       the order's previous event is not settled: the job is delayed by `delayMs`, no attempt used.
// An attempt interrupted by a killed process is made again (the job stalls and comes back), so a receiver can
// see an event twice: it dedupes on `webhook-id`, as Standard Webhooks asks.
import type { Queue } from 'bullmq';
import type { Got } from 'got';
import type { EngineContext } from '../engine-context.js';
import type { WorkerTuning } from '../queues/queues.js';
import { isOrdered, nextJobId, type WebhookJobData } from './delivery-job.js';
import { recordAttempt } from './delivery-log.js';
import type { WebhookMetrics } from './metrics.js';
import { orderGate, orderWaitMs } from './order-gate.js';
import { postEvent } from './post-event.js';
import type { RetryPolicy } from './retry-policy.js';
import { WEBHOOK_GROUP } from './stream-consumer.js';

/** What the worker delivers to, and how it retries (createWebhookSink builds these). */
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

/** What one attempt came to. */
export type DeliveryOutcome =
  | { kind: 'wait'; delayMs: number }
  | { kind: 'delivered'; status: number | null; attempt: number }
  | { kind: 'gone' }
  | { kind: 'failed'; message: string; retryAfterMs: number | undefined };

/** The job as one attempt sees it (a BullMQ job satisfies this). */
export interface DeliveryJob {
  data: WebhookJobData;
  attemptsMade: number;
  timestamp: number;
  opts: { attempts?: number };
}

/** Make the order's next event, if it is only waiting for this one, go now. */
async function wakeSuccessor(queue: Queue<WebhookJobData>, d: WebhookJobData): Promise<void> {
  const next = await queue.getJob(nextJobId(d));
  if (next && next.attemptsMade === 0 && (await next.isDelayed())) await next.promote().catch(() => undefined);
}

/** Makes one delivery attempt of `job`. */
export async function deliverOnce(ctx: EngineContext, o: WebhookWorkerOptions, job: DeliveryJob): Promise<DeliveryOutcome> {
  const d = job.data;
  if (isOrdered(d) && (await orderGate(ctx, o.queue, WEBHOOK_GROUP, d)) === 'wait') {
    return { kind: 'wait', delayMs: orderWaitMs(Date.now() - job.timestamp, o.orderWaitMs ?? 1000) };
  }
  const attempt = job.attemptsMade + 1;
  const last = attempt >= (job.opts.attempts ?? 1);
  const at = ctx.now();
  const r = await postEvent(o.http, { url: o.url, secret: o.secret }, { id: d.id, body: d.body }, at);
  o.metrics.deliveries.inc({ result: r.result });
  o.metrics.latency.observe({ result: r.result }, r.ms / 1000);
  // an unordered event (settlement) has no order whose settled version it raises, nor a successor to wake
  const settle = (r.result !== 'failed' || last) && isOrdered(d);
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
    return { kind: 'delivered', status: r.status, attempt };
  }
  if (r.result === 'gone') {
    ctx.log.error(about, 'webhook endpoint answered 410 Gone: this event will not be retried (retry it from the job dashboard)');
    return { kind: 'gone' };
  }
  if (last)
    ctx.log.error({ ...about, error: r.error }, 'webhook delivery given up after the last attempt (retry it from the job dashboard)');
  else ctx.log.warn({ ...about, error: r.error }, 'webhook delivery failed; will retry');
  return { kind: 'failed', message: `attempt ${attempt}: ${r.error ?? 'failed'}`, retryAfterMs: r.retryAfterMs };
}
