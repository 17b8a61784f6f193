// Holds that never lapse unnoticed: a sweep over the authorized orders (in the query role, one process at a time
// under a lease) that flags each one `preauth.hold_expiring` once, HOLD_WARNING before its hold's deadline (event,
// alert, the dashboard's list), and carries out its `on_hold_expiry` once, HOLD_ACTION_LEAD before the deadline, by
// the same at-most-once path as an operator's action, recorded as done by `llrecon`.
import type { EngineContext } from '../engine-context.js';
import { isLlreconError } from '../errors.js';
import { ACTION_FIELD, actionKeys } from '../store/action-keys.js';
import { HASH_FIELD as F } from '../store/order-record.js';
import { runHoldWarn } from '../store/scripts/action.js';
import { LLRECON_ACTOR } from './process.js';
import { requestAction } from './request.js';

/** Authorized orders read per round trip. */
const SCAN_COUNT = 500;

/** The `preauth.hold_expiring` event of an order: its id names the order and the deadline, so it is made once. */
export function holdExpiringEvent(
  o: { oid_partner: string; no_order: string; dt_order: string; money_order: string | null; deadline: number },
  at: number,
) {
  const type = 'preauth.hold_expiring';
  const event = {
    specversion: '1.0',
    id: `${o.oid_partner}:${o.no_order}:hold_expiring:${o.deadline}`,
    source: 'llrecon',
    type,
    subject: o.no_order,
    time: new Date(at).toISOString(),
    datacontenttype: 'application/json',
    data: {
      no_order: o.no_order,
      oid_partner: o.oid_partner,
      state: 'authorized',
      dt_order: o.dt_order,
      money_order: o.money_order,
      deadline: new Date(o.deadline).toISOString(),
    },
  };
  return { type, id: event.id, json: JSON.stringify(event) };
}

/** One order as the sweep reads it. */
interface HoldView {
  no_order: string;
  oid_partner: string;
  dt_order: string;
  money_order: string | null;
  deadline: number;
  warned: boolean;
  policy: string | null;
  acted: boolean;
}

async function readBatch(ctx: EngineContext, nos: readonly string[]): Promise<HoldView[]> {
  const pipe = ctx.redis.pipeline();
  const fields = [
    F.deadline,
    F.oid_partner,
    F.dt_order,
    F.money_order,
    ACTION_FIELD.holdWarnedAt,
    ACTION_FIELD.onHoldExpiry,
    ACTION_FIELD.holdAction,
  ];
  for (const no of nos) pipe.hmget(ctx.ks.order(no), ...fields);
  const replies = (await pipe.exec()) ?? [];
  const out: HoldView[] = [];
  nos.forEach((no, i) => {
    const [err, v] = replies[i] ?? [null, null];
    if (err || !Array.isArray(v)) return;
    const [dl, op, dt, m, hw, ohe, hx] = v as Array<string | null>;
    if (dl === null || dl === undefined || !op || !dt) return;
    out.push({
      no_order: no,
      oid_partner: op,
      dt_order: dt,
      money_order: m ?? null,
      deadline: Number(dl),
      warned: hw !== null,
      policy: ohe ?? null,
      acted: hx !== null,
    });
  });
  return out;
}

async function warn(ctx: EngineContext, o: HoldView, now: number): Promise<boolean> {
  const event = holdExpiringEvent(o, now);
  const streamId = await runHoldWarn(ctx.redis, ctx.ks, {
    noOrder: o.no_order,
    at: now,
    deadline: o.deadline,
    eventType: event.type,
    event: event.json,
  });
  if (streamId === null) return false;
  ctx.metrics.alerts.inc({ kind: 'hold_expiring' });
  ctx.log.warn(
    { no_order: o.no_order, deadline: new Date(o.deadline).toISOString(), event_id: event.id },
    'alert: hold_expiring (authorized, hold deadline near)',
  );
  return true;
}

async function act(ctx: EngineContext, o: HoldView): Promise<boolean> {
  const kind = o.policy === 'capture' ? 'capture' : 'void';
  try {
    const r = await requestAction(ctx, {
      kind,
      no_order: o.no_order,
      reason: `on_hold_expiry ${kind}: the hold ends ${new Date(o.deadline).toISOString()}`,
      actor: LLRECON_ACTOR,
      source: 'hold',
      holdPolicy: true,
    });
    return !r.repeated;
  } catch (err) {
    if (!isLlreconError(err)) throw err;
    ctx.log.warn({ no_order: o.no_order, code: err.code, err: err.message }, `on_hold_expiry ${kind} not sent`);
    return false;
  }
}

/** One sweep over the authorized orders: hold warnings and hold policies due by now. */
export async function sweepHolds(ctx: EngineContext): Promise<{ warned: number; acted: number }> {
  const counts = { warned: 0, acted: 0 };
  const { holdWarningMs, holdActionLeadMs, actionsEnabled } = ctx.config;
  let cursor = '0';
  do {
    const [next, flat] = await ctx.redis.zscan(ctx.ks.stateIndex('authorized'), cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    const nos = flat.filter((_, i) => i % 2 === 0);
    if (nos.length === 0) continue;
    const now = ctx.now();
    for (const o of await readBatch(ctx, nos)) {
      if (!o.warned && o.deadline - now <= holdWarningMs && (await warn(ctx, o, now))) counts.warned += 1;
      const due = o.deadline - now <= holdActionLeadMs;
      if (actionsEnabled && due && !o.acted && (o.policy === 'void' || o.policy === 'capture') && (await act(ctx, o))) counts.acted += 1;
    }
  } while (cursor !== '0');
  return counts;
}

/** The orders flagged hold_expiring that are still authorized, soonest deadline first (the dashboard's banner). */
export async function expiringHolds(
  ctx: Pick<EngineContext, 'redis' | 'ks'>,
  limit = 50,
): Promise<Array<{ no_order: string; deadline: number }>> {
  const key = actionKeys(ctx.ks).holdsExpiring;
  const flat = await ctx.redis.zrange(key, 0, limit * 2, 'WITHSCORES');
  const pairs: Array<{ no_order: string; deadline: number }> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push({ no_order: flat[i] as string, deadline: Number(flat[i + 1]) });
  if (pairs.length === 0) return [];
  const pipe = ctx.redis.pipeline();
  for (const p of pairs) pipe.hget(ctx.ks.order(p.no_order), F.state);
  const states = ((await pipe.exec()) ?? []).map(([, s]) => s);
  const stale = pairs.filter((_, i) => states[i] !== 'authorized');
  // no longer authorized (captured, voided, expired, forgotten): off the list
  if (stale.length > 0) await ctx.redis.zrem(key, ...stale.map((p) => p.no_order));
  return pairs.filter((_, i) => states[i] === 'authorized').slice(0, limit);
}
