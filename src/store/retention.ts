// Retention: nothing in Redis grows forever. A final order, or one an operator untracked, is removed
// ORDERS_RETENTION after it ended (became final, or was untracked) with its history and timeline; failed jobs are
// kept for the dashboard no longer than that, and at most FAILED_JOBS_KEPT per queue. (Everything else bounds itself:
// events are trimmed by EVENTS_RETENTION, callback markers and completed notify jobs expire after 24 h — LianLian
// resends a callback for about an hour — webhook attempt logs expire, the callback logs and timelines are capped.)
//
// The sweep runs in `query` processes; one claim in Redis (SET NX PX) lets one process sweep per period, whoever
// comes first. The indexes are scored by tracked_at, so the orders that may have ended before the cutoff are those
// tracked before it: each is checked, and removed, by one script (scripts/forget-order.ts).
import type { Queue } from 'bullmq';
import { FINAL_STATES, type OrderState } from '../reconcile/states.js';
import type { StoreConn } from './keyspace.js';
import { runForgetOrder } from './scripts/forget-order.js';

/** Orders looked at per index read (and removed in one pipeline). */
const BATCH = 500;
/** At most this many orders are looked at per index and sweep (the next sweep goes on). */
const MAX_PER_INDEX = 20_000;
/** Failed jobs kept per queue, newest first, however young. */
export const FAILED_JOBS_KEPT = 10_000;
/** How often a sweep is due (one process of the deployment does it). */
export const RETENTION_EVERY_MS = 10 * 60_000;

export interface RetentionResult {
  /** false: another process holds this period's claim (nothing done). */
  swept: boolean;
  ordersRemoved: number;
  failedJobsRemoved: number;
}

export interface RetentionOptions {
  retentionMs: number;
  now: number;
  /** Queues whose failed jobs are bounded. */
  queues?: readonly Queue[];
  /** How long the claim holds (default: one period); 0 sweeps without claiming (tests, operators). */
  claimMs?: number;
}

/** The claim's key: one sweep per period across the deployment. */
export const retentionClaimKey = (conn: StoreConn): string => `${conn.ks.base}:retention:claim`;

async function sweepIndex(conn: StoreConn, state: OrderState | null, cutoff: number): Promise<number> {
  const { redis, ks } = conn;
  const index = state === null ? ks.untrackedOrders : ks.stateIndex(state);
  let removed = 0;
  let offset = 0;
  for (let seen = 0; seen < MAX_PER_INDEX;) {
    const nos = await redis.zrangebyscore(index, '-inf', cutoff, 'LIMIT', offset, BATCH);
    if (nos.length === 0) break;
    seen += nos.length;
    const pipe = redis.pipeline();
    for (const no of nos) void runForgetOrder(pipe, ks, no, state, cutoff);
    const res = (await pipe.exec()) ?? [];
    let kept = 0;
    for (const [err, r] of res) {
      if (err) throw err;
      if (r === 1) removed++;
      else if (r === 0) kept++;
    }
    // kept ones (tracked before the cutoff, ended after it) stay at the head of the range: step over them
    offset += kept;
    if (nos.length < BATCH) break;
  }
  return removed;
}

/** Failed jobs older than the retention, then all but the newest FAILED_JOBS_KEPT. */
async function boundFailedJobs(queue: Queue, retentionMs: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const gone = await queue.clean(retentionMs, 1000, 'failed');
    removed += gone.length;
    if (gone.length < 1000) break;
  }
  for (;;) {
    const excess = await queue.getJobs(['failed'], FAILED_JOBS_KEPT, FAILED_JOBS_KEPT + 999, false);
    if (excess.length === 0) break;
    const results = await Promise.all(
      excess.map((j) =>
        j.remove().then(
          () => 1,
          () => 0,
        ),
      ),
    );
    const n = results.reduce<number>((a, b) => a + b, 0);
    removed += n;
    if (n === 0) break;
  }
  return removed;
}

/**
 * One sweep: removes the orders that ended before `now - retentionMs`, and bounds failed jobs. Claims the period
 * first (see the head of this file).
 */
export async function sweepRetention(conn: StoreConn, opts: RetentionOptions): Promise<RetentionResult> {
  const claimMs = opts.claimMs ?? RETENTION_EVERY_MS;
  if (claimMs > 0) {
    const claimed = await conn.redis.set(retentionClaimKey(conn), String(opts.now), 'PX', claimMs, 'NX');
    if (claimed !== 'OK') return { swept: false, ordersRemoved: 0, failedJobsRemoved: 0 };
  }
  const cutoff = opts.now - opts.retentionMs;
  let ordersRemoved = 0;
  for (const state of [...FINAL_STATES, null] as Array<OrderState | null>) ordersRemoved += await sweepIndex(conn, state, cutoff);
  let failedJobsRemoved = 0;
  for (const q of opts.queues ?? []) failedJobsRemoved += await boundFailedJobs(q, opts.retentionMs);
  return { swept: true, ordersRemoved, failedJobsRemoved };
}
