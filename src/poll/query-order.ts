// One pre-auth query of one order, start to finish: wait for the rate cap, query, decide, write.
// Shared by the routine poll worker and the confirm worker. Only store.transition() changes an order's state,
// in one atomic step with its event; everything else here is bookkeeping around that call.
import { performance } from 'node:perf_hooks';
import type { EngineContext } from '../engine-context.js';
import { MERCHANT_PAUSE_MS } from '../engine-context.js';
import { isLlreconError, LlreconError } from '../errors.js';
import type { PreauthQueryClient, SignedPreauthQuery } from '../clients/preauth-query-client.js';
import type { PreauthQueryAnswer } from '../lianlian/preauth-query.js';
import { bindAnswer, type PaybillNews } from '../reconcile/bind-answer.js';
import { decide, type Decision, type QueryOutcome } from '../reconcile/decide.js';
import { classifyRetCode } from '../reconcile/return-codes.js';
import { eventTypeFor, type OrderState, type Via } from '../reconcile/states.js';
import type { OrderRecord } from '../store/order-record.js';
import { pendingActionVia } from '../actions/pending.js';

export interface PollResult {
  /** The order is not tracked (any more). */
  gone: boolean;
  final: boolean;
  /** ms until the next routine poll; null when final or gone. */
  nextDelay: number | null;
  state: OrderState | null;
  changed: boolean;
}

const GONE: PollResult = { gone: true, final: true, nextDelay: null, state: null, changed: false };

/**
 * Takes a slot under the rate cap and sends the request within it; a slot that expired before the request could leave
 * (the process was held up) is not used, and a new one is asked for. `sending` is called as each attempt goes.
 */
async function sendUnderCap(
  ctx: EngineContext,
  client: PreauthQueryClient,
  request: SignedPreauthQuery,
  priority: 'routine' | 'high',
  sending: () => void,
): Promise<PreauthQueryAnswer> {
  for (;;) {
    const grant = await ctx.limiter.acquireGrant(priority);
    if (grant.waitedMs > 0) ctx.metrics.rateLimitWait.inc(grant.waitedMs / 1000);
    sending();
    try {
      return await client.send(request, { sendBy: grant.sendBy });
    } catch (err) {
      if (!isLlreconError(err, 'LLRECON_SLOT_EXPIRED')) throw err;
      ctx.log.debug({ err: err.message }, 'rate-cap slot expired before the query left; asking for another');
    }
  }
}

/**
 * Signs the query, waits for a slot under the rate cap, sends it at once, and reads the answer. A failure of our
 * own making (a field LianLian would refuse) or of the transport is an outcome, not an exception.
 */
async function queryLianLian(
  ctx: EngineContext,
  order: OrderRecord,
  priority: 'routine' | 'high',
): Promise<{ outcome: QueryOutcome; answer: PreauthQueryAnswer | null; ms: number }> {
  const client = ctx.client;
  if (!client) throw new LlreconError('LLRECON_INTERNAL', 'this process has no query client (ROLES lacks query)');
  let t0 = performance.now();
  try {
    const request = client.sign({
      no_order: order.no_order,
      dt_order: order.dt_order,
      oid_paybill: order.oid_paybill,
      pay_type: order.pay_type,
      platform: order.platform,
    });
    const answer = await sendUnderCap(ctx, client, request, priority, () => (t0 = performance.now()));
    const ms = performance.now() - t0;
    ctx.metrics.queryLatency.observe({ result: 'answer' }, ms / 1000);
    return { outcome: { kind: 'answer', ret_code: answer.ret_code, ret_msg: answer.ret_msg, money_order: answer.money_order }, answer, ms };
  } catch (err) {
    if (!(err instanceof LlreconError)) throw err;
    const ms = performance.now() - t0;
    ctx.metrics.queryLatency.observe({ result: 'failure' }, ms / 1000);
    ctx.log.warn({ no_order: order.no_order, code: err.code, ret_code: err.retCode ?? null, err: err.message }, 'query failed');
    return { outcome: { kind: 'failure', errorCode: err.code, retCode: err.retCode ?? null }, answer: null, ms };
  }
}

/** The log line of each alert a query can raise (an alert rule watches llrecon_alerts_total{kind}). */
const ALERT_LINE: Partial<Record<NonNullable<Decision['alert']>, string>> = {
  regression: "alert: regression: a signed answer from an earlier phase than the order's, not applied",
  post_final_disagreement: 'alert: post_final_disagreement: a signed answer disagrees with the final state, not applied',
  wrong_oid_paybill: "alert: wrong_oid_paybill: LianLian says the oid_paybill given is not the order's: dropped",
};

function raiseAlerts(ctx: EngineContext, order: OrderRecord, d: Decision, retCode: string | null): Promise<unknown> | undefined {
  if (d.alert) {
    ctx.metrics.alerts.inc({ kind: d.alert });
    const line = { no_order: order.no_order, alert: d.alert, ret_code: retCode, state: order.state };
    if (d.alert === 'config_error') ctx.log.error(line, 'LianLian reports a configuration error: querying paused for the merchant');
    else ctx.log.warn(line, ALERT_LINE[d.alert] ?? `alert: ${d.alert}`);
  }
  if (d.pauseMerchant) {
    ctx.metrics.merchantPauses.inc({ ret_code: retCode ?? 'none' });
    return ctx.store.pauseMerchant(order.oid_partner, MERCHANT_PAUSE_MS, `ret_code ${retCode ?? '?'}`, ctx.now());
  }
  return undefined;
}

/**
 * Whether the signed answer is about this order (reconcile/bind-answer.ts): if not, it is an untrusted answer,
 * never a state; if so, what it says of the order's oid_paybill.
 */
function bind(
  order: OrderRecord,
  outcome: QueryOutcome,
  answer: PreauthQueryAnswer | null,
): { outcome: QueryOutcome; paybill: PaybillNews } {
  if (answer === null || outcome.kind !== 'answer') return { outcome, paybill: { kind: 'none' } };
  const b = bindAnswer({ ...order, paybill_from_lianlian: order.paybill_from_lianlian === true }, answer);
  // only an answer that found the order tells its oid_paybill ("no record" and errors may echo the one asked about)
  if (b.ok) return { outcome, paybill: classifyRetCode(answer.ret_code).class === 'state' ? b.paybill : { kind: 'none' } };
  return { outcome: { kind: 'untrusted', reason: b.reason, retCode: answer.ret_code }, paybill: { kind: 'none' } };
}

/** Why the query meant what it did, for the timeline (null when the outcome says it all). */
function reasonOf(order: OrderRecord, d: Decision, outcome: QueryOutcome, paybill: PaybillNews): string | null {
  if (d.outcome === 'untrusted') {
    if (outcome.kind === 'untrusted') return outcome.reason;
    if (outcome.kind === 'failure') return outcome.errorCode === 'LLRECON_BAD_ANSWER_SIGNATURE' ? 'bad_signature' : 'unsigned';
  }
  if ((d.outcome === 'regression' || d.outcome === 'post_final') && outcome.kind === 'answer')
    return `reported ${classifyRetCode(outcome.ret_code).state ?? '?'} while ${order.state}`;
  if (d.outcome === 'wrong_paybill') return `oid_paybill ${order.oid_paybill ?? '?'} is not this order's`;
  if (paybill.kind === 'corrected') return `oid_paybill ${paybill.wrong} is not this order's: LianLian's is ${paybill.oid_paybill}`;
  return null;
}

/** Records the untrusted answer, and LianLian's correction of a merchant-given oid_paybill. */
function countBelief(ctx: EngineContext, order: OrderRecord, d: Decision, reason: string | null, paybill: PaybillNews): void {
  if (d.outcome === 'untrusted' && reason !== null) {
    ctx.metrics.untrustedAnswers.inc({ reason });
    ctx.log.warn({ no_order: order.no_order, reason, state: order.state }, 'untrusted answer: not believed, changes nothing');
  }
  if (paybill.kind === 'corrected') {
    ctx.metrics.alerts.inc({ kind: 'wrong_oid_paybill' });
    ctx.log.warn(
      { no_order: order.no_order, alert: 'wrong_oid_paybill', oid_paybill: paybill.wrong, lianlian_oid_paybill: paybill.oid_paybill },
      ALERT_LINE.wrong_oid_paybill,
    );
  }
}

/**
 * Query one order once and record what it said. `priority` 'high' is for confirming and re-query queries,
 * which go ahead of routine polls at the rate cap.
 */
export async function pollOnce(ctx: EngineContext, noOrder: string, via: Via, priority: 'routine' | 'high'): Promise<PollResult> {
  const order = await ctx.store.get(noOrder);
  if (!order) return GONE;
  if (order.final && priority === 'routine') return { gone: false, final: true, nextDelay: null, state: order.state, changed: false };

  const pausedUntil = await ctx.store.merchantPausedUntil(order.oid_partner);
  if (pausedUntil !== null && pausedUntil > ctx.now()) {
    // LianLian said our configuration is wrong: do not hammer it; look again when the pause ends.
    return {
      gone: false,
      final: order.final,
      nextDelay: pausedUntil - ctx.now() + Math.floor(ctx.random() * 1000),
      state: order.state,
      changed: false,
    };
  }

  const queried = await queryLianLian(ctx, order, priority);
  const { answer, ms } = queried;
  const { outcome, paybill } = bind(order, queried.outcome, answer);
  const retCode = outcome.kind === 'answer' ? outcome.ret_code : outcome.retCode;

  // The answer may only be written against the version the query started from (compare-and-set). If another
  // query changed the order meanwhile, our answer may be older than what was written: it is not applied, and the
  // order is looked at again soon (the other query's writer set its next poll).
  const now = ctx.now();
  const d = decide(
    {
      state: order.state,
      step: order.step,
      trackedAt: order.tracked_at,
      horizonAt: order.horizon_at,
      deadline: order.deadline,
      notFoundSince: order.not_found_since,
      money_order: order.money_order,
      merchantPaybill: order.oid_paybill !== null && order.paybill_from_lianlian !== true,
    },
    outcome,
    now,
    { schedule: ctx.config.pollSchedule, notFoundGraceMs: ctx.config.notFoundGraceMs },
    ctx.random,
  );
  // (decide() keeps a final order final unless a signed final code replaces `abandoned`: a one-off confirmation)
  const nextPollAt = d.nextDelay === null ? null : now + d.nextDelay;
  ctx.metrics.queries.inc({ outcome: d.outcome, ret_code: retCode ?? 'none' });
  const reason = reasonOf(order, d, outcome, paybill);
  countBelief(ctx, order, d, reason, paybill);
  const learnedPaybill = paybill.kind === 'none' ? null : paybill.oid_paybill;

  if (d.to !== null && d.to !== order.state) {
    const eventVia: Via = d.to === 'abandoned' ? 'horizon' : ((await pendingActionVia(ctx, order.no_order)) ?? via);
    const r = await ctx.store.transition({
      no_order: order.no_order,
      expectedVersion: order.version,
      to: d.to,
      // `abandoned` carries the last answer's code (interface.md); a failure has none of its own
      ret_code: outcome.kind === 'answer' ? outcome.ret_code : order.ret_code,
      ret_msg: outcome.kind === 'answer' ? outcome.ret_msg : order.ret_msg,
      via: eventVia,
      at: now,
      oid_paybill: learnedPaybill,
      money_order: outcome.kind === 'answer' ? (answer?.money_order ?? null) : null,
      nextPollAt,
      step: d.nextStep,
    });
    if (!r.applied) {
      if (r.refused !== undefined)
        ctx.log.error({ no_order: order.no_order, from: order.state, to: d.to, refused: r.refused }, 'transition refused by the store');
      return overtaken(ctx, r.current, now);
    }
    ctx.metrics.events.inc({ type: eventTypeFor(d.to) });
    ctx.log.info(
      { no_order: order.no_order, from: order.state, to: d.to, ret_code: retCode, via: eventVia, event_id: r.eventId },
      'order state changed',
    );
    if (d.to === 'abandoned') {
      ctx.metrics.alerts.inc({ kind: 'abandoned' });
      ctx.log.warn({ no_order: order.no_order, state: order.state }, 'order abandoned: tracking horizon passed without a final code');
    }
    await Promise.all([
      raiseAlerts(ctx, order, d, retCode),
      ctx.store.appendTimeline(order.no_order, {
        at: now,
        kind: 'query',
        ret_code: retCode,
        outcome: d.outcome,
        ...(reason === null ? {} : { reason }),
        ms: Math.round(ms),
      }),
    ]);
    return { gone: false, final: d.final, nextDelay: d.nextDelay, state: d.to, changed: true };
  }

  const noted = await ctx.store.notePoll(order.no_order, {
    at: now,
    expectedVersion: order.version,
    ret_code: retCode,
    outcome: d.outcome,
    ...(reason === null ? {} : { reason }),
    // LianLian's own oid_paybill is kept; the merchant's is dropped when LianLian says it is not the order's
    ...(learnedPaybill !== null ? { paybill: learnedPaybill } : d.outcome === 'wrong_paybill' ? { paybill: null } : {}),
    nextPollAt,
    step: d.nextStep,
    notFoundSince: d.notFoundSince,
    ms: Math.round(ms),
  });
  if (!noted) return overtaken(ctx, await ctx.store.get(noOrder), now);
  await raiseAlerts(ctx, order, d, retCode);
  return { gone: false, final: d.final, nextDelay: d.nextDelay, state: order.state, changed: false };
}

/** Another query changed the order while ours was in flight: follow the schedule its writer set. */
function overtaken(ctx: EngineContext, fresh: OrderRecord | null, now: number): PollResult {
  if (!fresh) return GONE;
  ctx.log.debug({ no_order: fresh.no_order, state: fresh.state }, 'answer overtaken by a concurrent query: not applied');
  if (fresh.final || fresh.next_poll_at === null)
    return { gone: false, final: fresh.final, nextDelay: fresh.final ? null : 0, state: fresh.state, changed: false };
  return { gone: false, final: false, nextDelay: Math.max(0, fresh.next_poll_at - now), state: fresh.state, changed: false };
}
