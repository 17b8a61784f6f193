// In order per order: the delivery of an order's event n+1 is not attempted before event n is settled. The
// choice, for the predecessor (version n) of a job about to be attempted:
//   - settled (delivered, or given up: 410 or out of attempts)       → go: a dead event does not block the order
//   - its job is waiting, delayed (retrying) or being delivered        → wait
//   - its job is completed or failed (the settled mark has expired)    → go
//   - no job, and no event older than ours is pending in the consumer group → go: it will never come (trimmed
//     from the stream before the sink read it, or emitted before the sink existed)
//   - no job, but older events are still pending (a consumer died between reading and queueing) → wait for the
//     take-over
// Waiting is moveToDelayed: the wait grows with the job's age (a quarter of it, within [minimum, 60 s]) so that a
// long-retrying predecessor costs little, and the predecessor's settling wakes its successor early.
import type { Queue } from 'bullmq';
import type { EngineContext } from '../engine-context.js';
import { compareStreamIds, previousJobId, type WebhookJobData } from './delivery-job.js';
import { settledVersions } from './delivery-log.js';

/** The longest a waiting successor sleeps before looking again. */
export const ORDER_WAIT_MAX_MS = 60_000;

/** Why a delivery goes ahead, or that it must wait. */
export type GateDecision = 'first' | 'settled' | 'finished' | 'lost' | 'wait';

/** Whether the delivery of `d` may be attempted now (see the file head). */
export async function orderGate(
  ctx: Pick<EngineContext, 'redis' | 'ks'>,
  queue: Queue,
  group: string,
  d: WebhookJobData,
): Promise<GateDecision> {
  const prev = previousJobId(d);
  if (prev === null) return 'first';
  const [settled = 0] = await settledVersions(ctx, [d.no]);
  if (settled >= d.v - 1) return 'settled';
  const state = await queue.getJobState(prev);
  if (state === 'completed' || state === 'failed') return 'finished';
  if (state !== 'unknown') return 'wait';
  const summary = (await ctx.redis.xpending(ctx.ks.events, group)) as [number, string | null, string | null, unknown];
  const [pending, oldest] = summary;
  return pending === 0 || oldest === null || compareStreamIds(oldest, d.sid) >= 0 ? 'lost' : 'wait';
}

/** How long a job that must wait sleeps: a quarter of its age, within [minMs, ORDER_WAIT_MAX_MS]. */
export function orderWaitMs(ageMs: number, minMs: number): number {
  return Math.min(ORDER_WAIT_MAX_MS, Math.max(minMs, Math.round(ageMs / 4)));
}
