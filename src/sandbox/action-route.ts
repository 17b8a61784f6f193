// POST /preauthComplete.htm (capture) and /preauthCancel.htm (void), answered as LianLian would (protocol §8): the
// merchant's signature and the fields checked in LianLian's order, then the order's state; an accepted action
// moves the order's timeline (PR12 → PR11, or PR15 → PR14, unless a test planned another outcome). Faults are
// planned apart from the query's (an action fault must never hit the confirming query that follows it).
import type { ServerResponse } from 'node:http';
import { fieldError } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { noRecordAnswer, signedBody, unsignedAnswer } from './answers.js';
import { send, sendJson } from './http-io.js';
import { checkSignedRequest, type RequestRules } from './merchant-request.js';
import { retMsgFor } from './messages.js';
import type { SimOrder } from './orders.js';
import { startTimeline, type Step } from './timeline.js';

export type SimActionKind = 'capture' | 'void';

/** The two paths, relative to the simulator's base URL. */
export const ACTION_PATHS: Readonly<Record<SimActionKind, string>> = { capture: '/preauthComplete.htm', void: '/preauthCancel.htm' };

/** A failure of one action request, as the simulator plays it. */
export type ActionFault =
  | { kind: 'lost'; as?: 'reset' | 'http5xx' | 'stall' } // the action TAKES EFFECT, then the answer is lost
  | { kind: 'stall' } // never answered, no effect
  | { kind: 'http5xx'; status?: number } // a 5xx, no effect
  | { kind: 'refuse'; code?: string }; // a signed refusal (default 9970), no effect

const RULES: RequestRules = { version: 'api_version', payTypes: ['F', 'G'], required: ['user_id', 'money_order', 'no_order', 'dt_order'] };

/** The states (codes) each action may start from. */
const STARTS: Readonly<Record<SimActionKind, readonly string[]>> = { capture: ['PR07', 'PR13'], void: ['PR07', 'PR16'] };

const DEFAULT_OUTCOME: Readonly<Record<SimActionKind, Step[]>> = {
  capture: [{ code: 'PR12', after: { queries: 1 } }, { code: 'PR11' }],
  void: [{ code: 'PR15', after: { queries: 1 } }, { code: 'PR14' }],
};

function cents(amount: string): bigint {
  const [whole = '0', frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
}

/** What the simulator keeps of actions: requests per order, planned outcomes and faults, amounts captured. */
export class ActionBook {
  private readonly requests = new Map<string, number>();
  private readonly outcomes = new Map<string, Step[]>();
  private readonly captured = new Map<string, string>();
  private faults: Array<{ fault: ActionFault; remaining: number; no_order?: string; probability: number }> = [];

  /** Requests received at either path that named the order (whatever they were answered). */
  count(no_order: string): number {
    return this.requests.get(no_order) ?? 0;
  }

  /** Every action request received, all orders together. */
  total(): number {
    let n = 0;
    for (const v of this.requests.values()) n += v;
    return n;
  }

  noteRequest(no_order: string | null): void {
    if (no_order !== null) this.requests.set(no_order, this.count(no_order) + 1);
  }

  /** What the next accepted action on the order does to it (default: PR12 → PR11 / PR15 → PR14). */
  planOutcome(no_order: string, steps: Step[]): void {
    if (steps.length === 0) throw fieldError('steps', 'needs at least one step');
    this.outcomes.set(no_order, steps);
  }

  /** The amount captured on the order (null: none). */
  capturedAmount(no_order: string): string | null {
    return this.captured.get(no_order) ?? null;
  }

  addFault(fault: ActionFault, opts: { times?: number; no_order?: string; probability?: number } = {}): void {
    const times = opts.times ?? Number.POSITIVE_INFINITY;
    const probability = opts.probability ?? 1;
    if (!(probability >= 0 && probability <= 1)) throw fieldError('probability', 'must be between 0 and 1');
    this.faults.push({ fault, remaining: times, probability, ...(opts.no_order === undefined ? {} : { no_order: opts.no_order }) });
  }

  clearFaults(): void {
    this.faults = [];
  }

  takeFault(no_order: string | null, rng: () => number): ActionFault | null {
    for (const rule of this.faults) {
      if (rule.no_order !== undefined && rule.no_order !== no_order) continue;
      if (rule.probability < 1 && rng() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.faults = this.faults.filter((r) => r !== rule);
      return rule.fault;
    }
    return null;
  }

  /** Requests per order so far (for a run that reads them over HTTP: `GET /_sim/actions`). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.requests);
  }

  /**
   * Applies an accepted action to the order's timeline (and remembers a capture's amount): a planned outcome, else
   * the order's own script when it waits at PR07 (a step without `after`) for this very action (its next code
   * PR12/PR11 for a capture, PR15/PR14 for a void), else PR12 → PR11 / PR15 → PR14.
   */
  apply(kind: SimActionKind, order: SimOrder, money_order: string, ctx: ApiContext): void {
    const t = order.timeline;
    const here = t.steps[t.index];
    const next = t.steps[t.index + 1]?.code;
    const scripted =
      here?.after === undefined && next !== undefined && (kind === 'capture' ? ['PR12', 'PR11'] : ['PR15', 'PR14']).includes(next);
    const steps = this.outcomes.get(order.no_order) ?? (scripted ? t.steps.slice(t.index + 1) : DEFAULT_OUTCOME[kind]);
    this.outcomes.delete(order.no_order);
    if (kind === 'capture') this.captured.set(order.no_order, money_order);
    order.timeline = startTimeline(steps, ctx.nowMs);
    ctx.onEntered([{ order, code: (steps[0] as Step).code }]);
  }
}

type Verdict = { kind: 'answer'; body: string } | { kind: 'accepted'; order: SimOrder; money_order: string; body: string };

/** Checks an action request; an accepted one is not applied yet (a fault decides whether it takes effect). */
function judge(kind: SimActionKind, raw: string, ctx: ApiContext): Verdict {
  const check = checkSignedRequest(raw, ctx.merchants, RULES);
  if (!check.ok) return { kind: 'answer', body: unsignedAnswer(check.ret_code, check.field) };
  const f = check.fields;
  const oid_partner = f.oid_partner as string;
  if (f.user_id && f.user_id.length > 32) return { kind: 'answer', body: unsignedAnswer('1004', 'user_id') };
  if (!/^\d+\.\d{2}$/.test(f.money_order as string) || cents(f.money_order as string) <= 0n)
    return { kind: 'answer', body: unsignedAnswer('1004', 'money_order') };
  if (!/^\d{14}$/.test(f.dt_order as string)) return { kind: 'answer', body: unsignedAnswer('1004', 'dt_order') };
  const order = ctx.orders.get(f.no_order as string);
  if (!order || order.oid_partner !== oid_partner || order.dt_order !== f.dt_order)
    return { kind: 'answer', body: noRecordAnswer(oid_partner, { no_order: f.no_order }, ctx.signNoRecord ? { key: ctx.signer } : null) };
  if (f.oid_paybill && f.oid_paybill !== order.oid_paybill) return { kind: 'answer', body: unsignedAnswer('9092') };
  const amount = f.money_order as string;
  const tooMuch = kind === 'capture' ? cents(amount) > cents(order.money_order) : cents(amount) !== cents(order.money_order);
  if (tooMuch) return { kind: 'answer', body: unsignedAnswer('1004', 'money_order') };
  const now = ctx.orders.peek(order, ctx.nowMs);
  ctx.onEntered(now.entered);
  const ids = {
    oid_partner,
    no_order: order.no_order,
    dt_order: order.dt_order,
    oid_paybill: order.oid_paybill,
    user_id: f.user_id as string,
  };
  if (!STARTS[kind].includes(now.code)) {
    // in progress already: "do not submit again"; any other state: the action cannot be done
    const code = now.code === 'PR12' || now.code === 'PR15' ? '1003' : '9970';
    return { kind: 'answer', body: signedBody({ ret_code: code, ret_msg: retMsgFor(code), ...ids }, ctx.signer) };
  }
  const answer: Record<string, string> = { ret_code: '0000', ret_msg: retMsgFor('0000'), ...ids, money_order: amount };
  if (kind === 'capture') answer.settle_date = f.dt_order?.slice(0, 8) ?? '';
  return { kind: 'accepted', order, money_order: amount, body: signedBody(answer, ctx.signer) };
}

/**
 * Answers one action request on `res`, playing `fault` if one was planned: a refusal, a 5xx or a stall leave the
 * order as it was; `lost` applies the action and then loses the answer (connection reset, a 5xx, or silence).
 * `hold` keeps stalled responses so that `stop()` can close them.
 */
export function answerAction(
  kind: SimActionKind,
  raw: string,
  ctx: ApiContext,
  book: ActionBook,
  fault: ActionFault | null,
  res: ServerResponse,
): void {
  if (fault?.kind === 'stall') return;
  if (fault?.kind === 'http5xx')
    return send(res, fault.status ?? 503, 'text/html;charset=utf-8', '<html><body>Service Unavailable</body></html>');
  const verdict = judge(kind, raw, ctx);
  if (verdict.kind === 'answer') return sendJson(res, verdict.body);
  if (fault?.kind === 'refuse') {
    const code = fault.code ?? '9970';
    const o = verdict.order;
    const ids = { oid_partner: o.oid_partner, no_order: o.no_order, dt_order: o.dt_order, oid_paybill: o.oid_paybill };
    return sendJson(res, signedBody({ ret_code: code, ret_msg: retMsgFor(code), ...ids }, ctx.signer));
  }
  book.apply(kind, verdict.order, verdict.money_order, ctx);
  if (fault?.kind !== 'lost') return sendJson(res, verdict.body);
  if (fault.as === 'stall') return;
  if (fault.as === 'http5xx') return send(res, 502, 'text/html;charset=utf-8', '<html><body>Bad Gateway</body></html>');
  res.destroy(); // the connection drops after LianLian did the work
}
