// Stop tracking an order on purpose (`DELETE /orders/:no_order`, `llrecon untrack`): the fact, who and why, and
// the `preauth.untracked` event are written in one step (store/scripts/untrack.ts); then the order's poll job is
// removed. A poll job that was running at that moment ends at its next run (the poll worker skips an untracked
// order), and the janitor no longer sees the order (it left its state's index).
import type { EngineContext } from '../engine-context.js';
import type { ActionMeta } from '../engine-types.js';
import { LlreconError } from '../errors.js';
import { pollJobId } from '../queues/names.js';
import type { OrderState } from '../reconcile/states.js';
import { fromHash, type HistoryEntry } from '../store/order-record.js';
import { UNTRACK_FIELD, runUntrack } from '../store/scripts/untrack.js';

export const UNTRACKED_EVENT_TYPE = 'preauth.untracked';

export interface UntrackResult {
  no_order: string;
  state: OrderState;
  /** When it was untracked (now, or the first time when it already was). */
  untracked_at: number;
  /** It was untracked before: nothing was written now. */
  already: boolean;
  /** The `preauth.untracked` event's id (null when already untracked). */
  event_id: string | null;
}

export type UntrackContext = Pick<EngineContext, 'redis' | 'ks' | 'queues' | 'log' | 'now'>;

/** The stable id of an order's `n`-th untracking (a retry never makes another; tracking again and untracking does). */
export function untrackedEventId(oidPartner: string, noOrder: string, n: number): string {
  return `${oidPartner}:${noOrder}:untracked:${n}`;
}

/**
 * Untrack `noOrder`, recording `meta.actor` and `meta.reason` (required). @returns null for an unknown order; an
 * order untracked already is answered as it is, with nothing written.
 */
export async function untrackOrder(ctx: UntrackContext, noOrder: string, meta: ActionMeta): Promise<UntrackResult | null> {
  const reason = meta.reason?.trim() ?? '';
  if (reason === '') throw new LlreconError('LLRECON_MISSING_FIELD', 'reason: say why the order stops being tracked', { field: 'reason' });
  const actor = meta.actor ?? meta.source;
  for (let attempt = 0; attempt < 5; attempt++) {
    const hash = await ctx.redis.hgetall(ctx.ks.order(noOrder));
    const order = fromHash(hash);
    if (order === null) return null;
    const untrackedAt = hash[UNTRACK_FIELD.at];
    if (untrackedAt !== undefined)
      return { no_order: noOrder, state: order.state, untracked_at: Number(untrackedAt), already: true, event_id: null };
    const count = hash[UNTRACK_FIELD.count] === undefined ? null : Number(hash[UNTRACK_FIELD.count]);
    const at = ctx.now();
    const id = untrackedEventId(order.oid_partner, noOrder, (count ?? 0) + 1);
    const event = {
      specversion: '1.0',
      id,
      source: 'llrecon',
      type: UNTRACKED_EVENT_TYPE,
      subject: noOrder,
      time: new Date(at).toISOString(),
      datacontenttype: 'application/json',
      data: { no_order: noOrder, oid_partner: order.oid_partner, state: order.state, actor, reason },
    };
    const entry: HistoryEntry = { at, kind: 'action', action: 'untrack', actor, source: meta.source, reason };
    const r = await runUntrack(ctx.redis, ctx.ks, {
      noOrder,
      state: order.state,
      count,
      at,
      entry: JSON.stringify(entry),
      eventType: UNTRACKED_EVENT_TYPE,
      event: JSON.stringify(event),
    });
    if (r.kind === 'unknown') return null;
    if (r.kind === 'moved') continue;
    if (r.kind === 'already') {
      const again = await ctx.redis.hget(ctx.ks.order(noOrder), UNTRACK_FIELD.at);
      return { no_order: noOrder, state: order.state, untracked_at: Number(again ?? at), already: true, event_id: null };
    }
    // a job being run right now cannot be removed: the poll worker ends it at its next run
    await ctx.queues.poll.remove(pollJobId(noOrder)).catch(() => 0);
    ctx.log.info({ no_order: noOrder, state: order.state, actor, source: meta.source, event_id: id }, 'order untracked');
    return { no_order: noOrder, state: order.state, untracked_at: at, already: false, event_id: id };
  }
  throw new LlreconError('LLRECON_INTERNAL', `order ${noOrder} kept changing while being untracked`);
}

/** When `noOrder` was untracked, or null (tracked, or unknown). */
export async function untrackedAt(ctx: Pick<EngineContext, 'redis' | 'ks'>, noOrder: string): Promise<number | null> {
  const v = await ctx.redis.hget(ctx.ks.order(noOrder), UNTRACK_FIELD.at);
  return v === null ? null : Number(v);
}
