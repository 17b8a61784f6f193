// One look at one open action: send it if it was only recorded (claimed durably first, so it is never sent
// twice), record its answer or the loss of it, ask for a confirming query, and settle it once the state LianLian
// reports decides. Never sends an action that was claimed before: a process that finds one `sending` (its sender
// died between sending and recording) treats the answer as lost.
import type { EngineContext } from '../engine-context.js';
import { isLlreconError } from '../errors.js';
import type { PreauthActionAnswer } from '../lianlian/preauth-action.js';
import { requestConfirm } from '../poll/request-confirm.js';
import { ACTION_FIELD } from '../store/action-keys.js';
import type { ActionRecord } from '../store/action-record.js';
import { runClaimSend, runNoteActionAnswer, runSettleAction } from '../store/scripts/action.js';
import { waitDurable } from './durable.js';
import { judgeOutcome, nextLookMs } from './outcome.js';
import { readAction } from './request.js';

/** How long after it was recorded an action may still be sent (an operator asked for it then, not later). */
export const SEND_WINDOW_MS = 10 * 60_000;

/** The actor of what llrecon writes by itself (answers, outcomes, hold policies). */
export const LLRECON_ACTOR = 'llrecon';

function entry(a: ActionRecord, at: number, action: string, reason: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ at, kind: 'action', action, actor: LLRECON_ACTOR, source: 'llrecon', reason, action_id: a.id, ...extra });
}

async function settle(ctx: EngineContext, a: ActionRecord, outcome: string, why: string): Promise<void> {
  const at = ctx.now();
  const done = await runSettleAction(ctx.redis, ctx.ks, {
    id: a.id,
    noOrder: a.no_order,
    outcome,
    at,
    entry: entry(a, at, `${a.kind}.${outcome}`, why),
    from: a.status,
  });
  if (done) ctx.log.info({ no_order: a.no_order, action_id: a.id, kind: a.kind, outcome }, `action ${outcome}: ${why}`);
}

/** Sends a recorded action once; false when it was not sent (settled `not_sent`, or claimed by another process). */
async function send(ctx: EngineContext, a: ActionRecord): Promise<void> {
  const order = await ctx.store.get(a.no_order);
  const now = ctx.now();
  const refuse = (why: string) => settle(ctx, a, 'not_sent', why);
  if (order === null) return refuse('the order is not tracked any more');
  if (!ctx.config.actionsEnabled) return refuse('ACTIONS_ENABLED was turned off before it was sent');
  if (order.state !== a.from_state || order.version !== a.from_version) return refuse(`the order became ${order.state} before it was sent`);
  if (now - a.at > SEND_WINDOW_MS) return refuse('not sent within 10 minutes of being asked for');
  const client = ctx.actionClient;
  if (!client) return undefined; // only query processes send; another one will
  const userId = await ctx.redis.hget(ctx.ks.order(a.no_order), ACTION_FIELD.userId);
  let signed;
  try {
    signed = client.sign(a.kind, { ...order, user_id: userId ?? '' }, a.money_order, a.risk_item);
  } catch (err) {
    if (!isLlreconError(err)) throw err;
    return refuse(`LianLian would refuse it: ${err.message}`);
  }
  // THE step after which the action is never sent again: written before the request leaves
  if (!(await runClaimSend(ctx.redis, ctx.ks, a.id, a.no_order, now, a.kind === 'capture' ? a.money_order : null))) return undefined;
  // a Redis host crash must not roll the claim back once the request may have left
  await waitDurable(ctx.redis);
  let answer: PreauthActionAnswer | null = null;
  let error: { code: string; message: string; retCode: string | null; retMsg: string | null } | null = null;
  try {
    answer = await client.send(signed);
  } catch (err) {
    if (!isLlreconError(err)) throw err;
    error = { code: err.code, message: err.message, retCode: err.retCode ?? null, retMsg: err.retMsg ?? null };
  }
  const at = ctx.now();
  const reason =
    answer !== null
      ? `LianLian answered ${answer.ret_code} ${answer.ret_msg}: confirming by query`
      : `answer lost or not trusted (${error?.code}): confirming by query, never sending it again`;
  await runNoteActionAnswer(ctx.redis, ctx.ks, {
    id: a.id,
    noOrder: a.no_order,
    status: answer !== null ? 'answered' : 'lost',
    at,
    retCode: answer?.ret_code ?? error?.retCode ?? null,
    retMsg: answer?.ret_msg ?? error?.retMsg ?? null,
    signed: answer !== null,
    error: error?.code ?? null,
    entry: entry(a, at, `${a.kind}.answer`, reason, {
      ret_code: answer?.ret_code ?? error?.retCode ?? null,
      ret_msg: answer?.ret_msg ?? error?.retMsg ?? null,
    }),
  });
  ctx.log.info(
    { no_order: a.no_order, action_id: a.id, kind: a.kind, ret_code: answer?.ret_code ?? null, error: error?.code ?? null },
    answer !== null ? 'action answered' : 'action answer lost: confirming by query',
  );
}

/**
 * One step of an open action. Returns when to look at it again (epoch ms), or null once it is settled (or gone).
 */
export async function processAction(ctx: EngineContext, id: string): Promise<number | null> {
  let a = await readAction(ctx, id);
  if (a === null) return null;
  if (a.status === 'recorded') {
    await send(ctx, a);
    a = await readAction(ctx, id);
    if (a === null || a.status === 'recorded') return a === null ? null : ctx.now() + 1_000;
  }
  if (a.status === 'sending') {
    // its sender died between sending and recording: whether the request left cannot be told
    const at = ctx.now();
    const why =
      'the process stopped between sending and recording the answer: outcome unknown, confirming by query, never sending it again';
    await runNoteActionAnswer(ctx.redis, ctx.ks, {
      id,
      noOrder: a.no_order,
      status: 'lost',
      at,
      retCode: null,
      retMsg: null,
      signed: false,
      error: 'crash',
      entry: entry(a, at, `${a.kind}.answer`, why),
    });
    ctx.log.warn({ no_order: a.no_order, action_id: id, kind: a.kind }, 'action found mid-send after a crash: confirming by query');
    a = await readAction(ctx, id);
    if (a === null) return null;
  }
  if (a.status !== 'answered' && a.status !== 'lost') return null;
  const order = await ctx.store.get(a.no_order);
  const now = ctx.now();
  const verdict = judgeOutcome(a, order && { state: order.state, version: order.version, polls: order.polls, final: order.final }, now);
  if ('settle' in verdict) {
    await settle(ctx, a, verdict.settle, verdict.why);
    return null;
  }
  // a confirming query (ahead of routine polls) while LianLian has shown no sign of the action yet; once the order
  // moves (capturing, voiding …) its routine polls, dense in those states, follow it, and the cap stays for others
  if (order !== null && order.state === a.from_state && order.version === a.from_version) await requestConfirm(ctx, a.no_order, 'notify');
  return now + nextLookMs(now - (a.answered_at ?? a.sent_at ?? a.at));
}
