// The producer: start tracking orders, and stop on purpose. Everything is validated before anything is written;
// a re-tracked order is a duplicate and never starts a second poller (the store refuses it, and the poll job id is
// the order's); the same order number posted with other values is a conflict naming them, never a duplicate; an
// order an operator untracked is tracked again by posting it again.
import { checkHoldPolicies } from '../actions/hold-policy.js';
import type { EngineContext } from '../engine-context.js';
import type { ActionMeta, TrackResult } from '../engine-types.js';
import { LlreconError } from '../errors.js';
import { parseOrderToTrack, type OrderToTrack } from '../lianlian/fields.js';
import { parseLianLianTime } from '../lianlian/time.js';
import { horizonFor } from '../reconcile/decide.js';
import { scheduledDelay } from '../reconcile/schedule.js';
import { pollJobId } from '../queues/names.js';
import { fromHash, type HistoryEntry, type OrderRecord } from '../store/order-record.js';
import { runRetrack } from '../store/scripts/track.js';
import { UNTRACK_FIELD } from '../store/scripts/untrack.js';

export const MAX_BATCH = 1000;

/** How many conflicting orders one error message lists (the rest are counted). */
const CONFLICTS_LISTED = 10;

/** `{...}` (one order) or `{"orders":[...]}` (a batch) → validated orders, or an error naming the field. */
export function parseTrackBody(body: unknown): OrderToTrack[] {
  return parseTrackItems(body).map((it) => it.order);
}

/** An order of a request, with where it was in the request (`''` for a single order, `orders[3]` in a batch). */
interface TrackItem {
  order: OrderToTrack;
  path: string;
}

function parseTrackItems(body: unknown): TrackItem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LlreconError('LLRECON_NOT_AN_OBJECT', 'expected an order object or {"orders":[...]}');
  if (!('orders' in body)) return [{ order: parseOrderToTrack(body, ''), path: '' }];
  const list = (body as { orders: unknown }).orders;
  if (Object.keys(body).length !== 1)
    throw new LlreconError('LLRECON_INVALID_FIELD', 'a batch has only the key "orders"', { field: 'orders' });
  if (!Array.isArray(list)) throw new LlreconError('LLRECON_INVALID_FIELD', 'orders: must be an array', { field: 'orders' });
  if (list.length === 0) throw new LlreconError('LLRECON_INVALID_FIELD', 'orders: must not be empty', { field: 'orders' });
  if (list.length > MAX_BATCH)
    throw new LlreconError('LLRECON_TOO_MANY_ORDERS', `orders: at most ${MAX_BATCH} per batch (got ${list.length})`, { field: 'orders' });
  return list.map((item, i) => ({ order: parseOrderToTrack(item, `orders[${i}]`), path: `orders[${i}]` }));
}

/** The hold's deadline: dt_order (UTC+8) + valid_order minutes, as epoch ms. */
export function holdDeadline(o: Pick<OrderToTrack, 'dt_order' | 'valid_order'>): number {
  return parseLianLianTime(o.dt_order, 'dt_order').plus({ minutes: o.valid_order }).toMillis();
}

/** The fields that say which order this is: posted again, they must be what is tracked. */
const IDENTITY_FIELDS = ['dt_order', 'money_order', 'oid_paybill', 'pay_type', 'valid_order', 'platform'] as const;

/** A field of a posted order that differs from what is tracked under its number. */
export interface FieldConflict {
  field: (typeof IDENTITY_FIELDS)[number];
  tracked: string | null;
  posted: string;
}

/**
 * How `posted` differs from `tracked` (empty: the same order). A field the post leaves out is not a difference;
 * one the post gives and the record lacks is (except oid_paybill, which LianLian may have corrected or not yet told).
 */
export function identityConflicts(tracked: Pick<OrderRecord, (typeof IDENTITY_FIELDS)[number]>, posted: OrderToTrack): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const field of IDENTITY_FIELDS) {
    const p = posted[field];
    if (p === null) continue;
    const t = tracked[field];
    if (t === null && field === 'oid_paybill') continue;
    if (t === null || String(t) !== String(p)) out.push({ field, tracked: t === null ? null : String(t), posted: String(p) });
  }
  return out;
}

function conflictError(found: Array<{ item: TrackItem; diffs: FieldConflict[] }>, tracked: number): LlreconError {
  const first = found[0] as { item: TrackItem; diffs: FieldConflict[] };
  const describe = ({ item, diffs }: (typeof found)[number]) =>
    `${item.order.no_order}${item.path ? ` (${item.path})` : ''}: ` +
    diffs.map((d) => `${d.field} tracked ${d.tracked ?? 'without one'}, posted ${d.posted}`).join('; ');
  const more = found.length > CONFLICTS_LISTED ? ` … and ${found.length - CONFLICTS_LISTED} more` : '';
  const field = `${first.item.path ? `${first.item.path}.` : ''}${(first.diffs[0] as FieldConflict).field}`;
  const trackedNote = tracked > 0 ? ` (${tracked} other orders of the batch were tracked meanwhile)` : ' (nothing was tracked)';
  return new LlreconError(
    'LLRECON_ORDER_CONFLICT',
    `already tracked with other values: ${found.slice(0, CONFLICTS_LISTED).map(describe).join(' | ')}${more}${trackedNote}`,
    { field },
  );
}

export type ProducerContext = Pick<EngineContext, 'config' | 'store' | 'queues' | 'log' | 'now' | 'redis' | 'ks'>;

/** What is stored under each number: the record and whether an operator untracked it (null: not tracked). */
async function readTracked(
  ctx: ProducerContext,
  nos: readonly string[],
): Promise<Array<{ order: OrderRecord; untracked: boolean } | null>> {
  if (nos.length === 0) return [];
  const pipe = ctx.redis.pipeline();
  for (const no of nos) pipe.hgetall(ctx.ks.order(no));
  const res = (await pipe.exec()) ?? [];
  return nos.map((_, i) => {
    const [err, h] = res[i] ?? [new Error('no reply')];
    if (err) throw err;
    const hash = h as Record<string, string>;
    const order = fromHash(hash);
    return order === null ? null : { order, untracked: hash[UNTRACK_FIELD.at] !== undefined };
  });
}

export async function trackOrders(ctx: ProducerContext, body: unknown, meta: ActionMeta): Promise<TrackResult> {
  const items = parseTrackItems(body);
  checkHoldPolicies(items, ctx.config.actionsEnabled);
  const now = ctx.now();
  const result: TrackResult = { accepted: [], duplicates: [] };
  const firstOf = new Map<string, TrackItem>();
  const conflicts: Array<{ item: TrackItem; diffs: FieldConflict[] }> = [];
  const fresh: TrackItem[] = [];
  for (const it of items) {
    const first = firstOf.get(it.order.no_order);
    if (first === undefined) {
      firstOf.set(it.order.no_order, it);
      fresh.push(it);
      continue;
    }
    // the same number twice in one batch: a duplicate if the same order, else a conflict
    const diffs = identityConflicts(first.order, it.order);
    if (diffs.length > 0) conflicts.push({ item: it, diffs });
    else result.duplicates.push(it.order.no_order);
  }
  const stored = await readTracked(
    ctx,
    fresh.map((it) => it.order.no_order),
  );
  for (const [i, it] of fresh.entries()) {
    const s = stored[i];
    const diffs = s ? identityConflicts(s.order, it.order) : [];
    if (diffs.length > 0) conflicts.push({ item: it, diffs });
  }
  if (conflicts.length > 0) throw conflictError(conflicts, 0);

  const plan = (o: OrderToTrack, state: OrderRecord['state'] = 'pending') => {
    const deadline = holdDeadline(o);
    const delay = scheduledDelay({ state, step: 0, now, deadline, schedule: ctx.config.pollSchedule });
    return { deadline, delay, horizonAt: horizonFor({ trackedAt: now, deadline, trackingHorizonMs: ctx.config.trackingHorizonMs }) };
  };
  const jobs: Array<{ name: 'poll'; data: { no: string }; opts: { jobId: string; delay: number } }> = [];
  const toCreate: Array<{ it: TrackItem; p: ReturnType<typeof plan> }> = [];
  for (const [i, it] of fresh.entries()) {
    const s = stored[i];
    if (s === null || s === undefined) toCreate.push({ it, p: plan(it.order) });
    else if (!s.untracked) result.duplicates.push(it.order.no_order);
    else if (await retrack(ctx, s.order, plan(s.order, s.order.state), now, meta)) {
      result.accepted.push(it.order.no_order);
      const p = plan(s.order, s.order.state);
      if (!s.order.final)
        jobs.push({ name: 'poll', data: { no: s.order.no_order }, opts: { jobId: pollJobId(s.order.no_order), delay: p.delay } });
    } else result.duplicates.push(it.order.no_order);
  }

  const created = await ctx.store.trackMany(
    toCreate.map(({ it, p }) => ({ order: it.order, deadline: p.deadline, horizonAt: p.horizonAt, nextPollAt: now + p.delay })),
    now,
    { actor: meta.actor, source: meta.source },
  );
  const raced: TrackItem[] = [];
  for (const [i, { it, p }] of toCreate.entries()) {
    const no = it.order.no_order;
    if (!created[i]) {
      raced.push(it);
      continue;
    }
    result.accepted.push(no);
    jobs.push({ name: 'poll', data: { no }, opts: { jobId: pollJobId(no), delay: p.delay } });
  }
  // If the process dies between the two writes, the janitor finds the order without its job and adds it.
  if (jobs.length > 0) await ctx.queues.poll.addBulk(jobs);
  // tracked by someone else between our read and our write: a duplicate, unless with other values
  if (raced.length > 0) {
    const now2 = await readTracked(
      ctx,
      raced.map((it) => it.order.no_order),
    );
    const late = raced.flatMap((it, i) => {
      const diffs = now2[i] ? identityConflicts((now2[i] as { order: OrderRecord }).order, it.order) : [];
      return diffs.length > 0 ? [{ item: it, diffs }] : [];
    });
    if (late.length > 0) throw conflictError(late, result.accepted.length);
    result.duplicates.push(...raced.map((it) => it.order.no_order));
  }
  if (result.accepted.length > 0)
    ctx.log.info({ accepted: result.accepted.length, duplicates: result.duplicates.length, source: meta.source }, 'orders tracked');
  return result;
}

/** Puts an untracked order back under tracking (its state's index, a fresh horizon); false if it is not untracked. */
async function retrack(
  ctx: ProducerContext,
  order: OrderRecord,
  p: { delay: number; horizonAt: number },
  now: number,
  meta: ActionMeta,
): Promise<boolean> {
  const entry: HistoryEntry = {
    at: now,
    kind: 'action',
    action: 'track',
    actor: meta.actor ?? meta.source,
    source: meta.source,
    reason: 'posted again after being untracked',
  };
  for (let state = order.state, attempt = 0; attempt < 5; attempt++) {
    const r = await runRetrack(ctx.redis, ctx.ks, {
      noOrder: order.no_order,
      state,
      entry: JSON.stringify(entry),
      nextPollAt: order.final ? null : now + p.delay,
      horizonAt: p.horizonAt,
    });
    if (r !== 'moved') return r === 'retracked';
    const fresh = await ctx.store.get(order.no_order);
    if (fresh === null) return false;
    state = fresh.state;
  }
  throw new LlreconError('LLRECON_INTERNAL', `order ${order.no_order} kept changing while being tracked again`);
}
