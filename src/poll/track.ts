// The producer: start tracking orders. Everything is validated before anything is written; a re-tracked order
// is a duplicate and never starts a second poller (the store refuses it, and the poll job id is the order's).
import type { EngineContext } from '../engine-context.js';
import type { ActionMeta, TrackResult } from '../engine-types.js';
import { LlreconError } from '../errors.js';
import { parseOrderToTrack, type OrderToTrack } from '../lianlian/fields.js';
import { parseLianLianTime } from '../lianlian/time.js';
import { horizonFor } from '../reconcile/decide.js';
import { scheduledDelay } from '../reconcile/schedule.js';
import { pollJobId } from '../queues/names.js';

export const MAX_BATCH = 1000;

/** `{...}` (one order) or `{"orders":[...]}` (a batch) → validated orders, or an error naming the field. */
export function parseTrackBody(body: unknown): OrderToTrack[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LlreconError('LLRECON_NOT_AN_OBJECT', 'expected an order object or {"orders":[...]}');
  if (!('orders' in body)) return [parseOrderToTrack(body, '')];
  const list = (body as { orders: unknown }).orders;
  if (Object.keys(body).length !== 1)
    throw new LlreconError('LLRECON_INVALID_FIELD', 'a batch has only the key "orders"', { field: 'orders' });
  if (!Array.isArray(list)) throw new LlreconError('LLRECON_INVALID_FIELD', 'orders: must be an array', { field: 'orders' });
  if (list.length === 0) throw new LlreconError('LLRECON_INVALID_FIELD', 'orders: must not be empty', { field: 'orders' });
  if (list.length > MAX_BATCH)
    throw new LlreconError('LLRECON_TOO_MANY_ORDERS', `orders: at most ${MAX_BATCH} per batch (got ${list.length})`, { field: 'orders' });
  return list.map((item, i) => parseOrderToTrack(item, `orders[${i}]`));
}

/** The hold's deadline: dt_order (UTC+8) + valid_order minutes, as epoch ms. */
export function holdDeadline(o: Pick<OrderToTrack, 'dt_order' | 'valid_order'>): number {
  return parseLianLianTime(o.dt_order, 'dt_order').plus({ minutes: o.valid_order }).toMillis();
}

export type ProducerContext = Pick<EngineContext, 'config' | 'store' | 'queues' | 'log' | 'now'>;

export async function trackOrders(ctx: ProducerContext, body: unknown, meta: ActionMeta): Promise<TrackResult> {
  const orders = parseTrackBody(body);
  const now = ctx.now();
  const seen = new Set<string>();
  const result: TrackResult = { accepted: [], duplicates: [] };
  const fresh: OrderToTrack[] = [];
  for (const o of orders) {
    if (seen.has(o.no_order)) result.duplicates.push(o.no_order);
    else {
      seen.add(o.no_order);
      fresh.push(o);
    }
  }
  const items = fresh.map((o) => {
    const deadline = holdDeadline(o);
    const delay = scheduledDelay({ state: 'pending', step: 0, now, deadline, schedule: ctx.config.pollSchedule });
    return {
      order: o,
      deadline,
      delay,
      nextPollAt: now + delay,
      horizonAt: horizonFor({ trackedAt: now, deadline, trackingHorizonMs: ctx.config.trackingHorizonMs }),
    };
  });
  const created = await ctx.store.trackMany(items, now, { actor: meta.actor, source: meta.source });
  const jobs = [];
  for (const [i, it] of items.entries()) {
    const no = it.order.no_order;
    if (!created[i]) {
      result.duplicates.push(no);
      continue;
    }
    result.accepted.push(no);
    jobs.push({ name: 'poll', data: { no }, opts: { jobId: pollJobId(no), delay: it.delay } });
  }
  // If the process dies between the two writes, the janitor finds the order without its job and adds it.
  if (jobs.length > 0) await ctx.queues.poll.addBulk(jobs);
  if (result.accepted.length > 0)
    ctx.log.info({ accepted: result.accepted.length, duplicates: result.duplicates.length, source: meta.source }, 'orders tracked');
  return result;
}
