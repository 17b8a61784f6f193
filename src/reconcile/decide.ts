// The pure decision after one query of a tracked order: what to write, when to query next, what to alert on.
import { DEFAULT_VALID_ORDER } from '../lianlian/fields.js';
import { moneyEquals } from '../lianlian/money.js';
import type { UntrustedReason } from './bind-answer.js';
import { judgeMove } from './lifecycle.js';
import { classifyRetCode, type RetCodeInfo } from './return-codes.js';
import { failureDelay, scheduledDelay } from './schedule.js';
import { isFinalState, type OrderState } from './states.js';

const DAY = 86_400_000;
/** LianLian's default `valid_order` (7 days), for an order whose deadline is unknown. */
const DEFAULT_VALID_ORDER_MS = DEFAULT_VALID_ORDER * 60_000;

/** What the decision needs to know of the tracked order. Times are epoch ms. */
export interface TrackedOrder {
  state: OrderState;
  /** Queries since the last change of state. */
  step: number;
  trackedAt: number;
  /** When an order without a final code becomes `abandoned` (see {@link horizonFor}). */
  horizonAt: number;
  /** The hold's deadline: dt_order + valid_order. */
  deadline: number | null;
  /** When a "no record" answer was first seen since the last answer that found the order. */
  notFoundSince: number | null;
  money_order: string | null;
  /** True when the order's oid_paybill was given by the merchant and LianLian has not confirmed it yet. */
  merchantPaybill?: boolean;
}

/**
 * What one query produced: a signed answer bound to the order (see bindAnswer), a signed answer about something
 * else (`untrusted`), or a failure (any LlreconError from the client: transport, timeout, HTTP status,
 * unparseable, unsigned, bad signature). `retCode` is the ret_code an untrusted answer carried.
 */
export type QueryOutcome =
  | { kind: 'answer'; ret_code: string; ret_msg: string; money_order: string | null }
  | { kind: 'untrusted'; reason: UntrustedReason; retCode: string | null }
  | { kind: 'failure'; errorCode: string; retCode: string | null };

export interface DecideSettings {
  /** `POLL_SCHEDULE`, or null for the default policy. */
  schedule: readonly number[] | null;
  /** `NOT_FOUND_GRACE`. */
  notFoundGraceMs: number;
}

export type Alert =
  | 'config_error'
  | 'not_found_overdue'
  | 'amount_mismatch'
  | 'unknown_code'
  | 'regression'
  | 'post_final_disagreement'
  | 'wrong_oid_paybill';

/**
 * What the query meant, for metrics and the order's timeline. `regression`: a signed answer from an earlier phase
 * than the order's; `post_final`: a different signed state for a final order; `wrong_paybill`: LianLian says the
 * oid_paybill the merchant gave is not the order's (9092).
 */
export type DecisionOutcome =
  | 'change'
  | 'same'
  | 'retry'
  | 'not_found'
  | 'config'
  | 'unknown'
  | 'failure'
  | 'untrusted'
  | 'regression'
  | 'post_final'
  | 'wrong_paybill';

export interface Decision {
  /** A change of state to write; null when the state stays. */
  to: OrderState | null;
  final: boolean;
  /** ms until the next query; null when final. */
  nextDelay: number | null;
  /** The step to store: 0 after a change of state. */
  nextStep: number;
  notFoundSince: number | null;
  /** LianLian reports our configuration as wrong: pause querying for the merchant. */
  pauseMerchant: boolean;
  alert: Alert | null;
  outcome: DecisionOutcome;
}

/** Failures that are answers we cannot trust (they may still carry a ret_code that steers querying). */
const UNTRUSTED_ANSWER_ERRORS: Readonly<Record<string, UntrustedReason>> = {
  LLRECON_UNSIGNED_ANSWER: 'unsigned',
  LLRECON_BAD_ANSWER_SIGNATURE: 'bad_signature',
};

/** The failure as an untrusted answer when it is one (unsigned, or not signed with LianLian's key). */
function asUntrusted(outcome: QueryOutcome): Extract<QueryOutcome, { kind: 'untrusted' | 'failure' }> | null {
  if (outcome.kind === 'answer') return null;
  if (outcome.kind === 'untrusted') return outcome;
  const reason = UNTRUSTED_ANSWER_ERRORS[outcome.errorCode];
  return reason === undefined ? outcome : { kind: 'untrusted', reason, retCode: outcome.retCode };
}

/**
 * When tracking of an order ends without a final code: `trackedAt + trackingHorizonMs` when `TRACKING_HORIZON`
 * is set, else a day after the hold's deadline (dt_order + valid_order; 7 days after tracking began if unknown).
 */
export function horizonFor(p: { trackedAt: number; deadline: number | null; trackingHorizonMs: number | null }): number {
  if (p.trackingHorizonMs !== null) return p.trackedAt + p.trackingHorizonMs;
  return (p.deadline ?? p.trackedAt + DEFAULT_VALID_ORDER_MS) + DAY;
}

/**
 * Decides what one query of a tracked order leads to. Only a signed answer bound to the order, reporting a state
 * of the same or a later phase (judgeMove), changes the state; an earlier phase is a regression and a different
 * state for a final order a post-final disagreement (both alerted, never applied); `abandoned` alone is replaced
 * by a later final code. "No record" (8901, 5002, 9093) counts as "not yet" signed or not; 9092 says the
 * merchant's oid_paybill is wrong. The tracking horizon turns any order still not final into `abandoned`.
 * `random` (like Math.random) jitters failure delays. One alert at most, by rank: `config_error`, `regression` /
 * `post_final_disagreement` / `wrong_oid_paybill`, then `amount_mismatch`, then `not_found_overdue` or
 * `unknown_code`. The not-found clock is cleared only by a state code (an answer that found the order).
 */
export function decide(order: TrackedOrder, outcome: QueryOutcome, now: number, settings: DecideSettings, random: () => number): Decision {
  const base = { now, deadline: order.deadline, schedule: settings.schedule };
  const keepPolling = (state: OrderState, step: number) => scheduledDelay({ ...base, state, step });
  const backOff = (step: number) => failureDelay({ ...base, state: order.state, step, random });
  const same = order.step + 1;

  let d: Decision;
  const failed = asUntrusted(outcome);
  const failedInfo = failed?.retCode ? classifyRetCode(failed.retCode) : null;
  const readAnyway = failed?.kind === 'untrusted' && (failed.reason === 'unsigned' || failed.reason === 'bad_signature');
  if (readAnyway && (failedInfo?.class === 'not_found' || failedInfo?.class === 'wrong_paybill')) {
    // "no record" and 9092 come unsigned from LianLian, and believing them changes no state
    d = decideAnswer(order, failedInfo as RetCodeInfo, now, settings, keepPolling, backOff);
  } else if (failed !== null) {
    const config = failedInfo?.class === 'config';
    d = {
      to: null,
      final: false,
      nextDelay: backOff(same),
      nextStep: same,
      notFoundSince: order.notFoundSince,
      pauseMerchant: config,
      alert: config ? 'config_error' : null,
      outcome: failed.kind === 'untrusted' ? 'untrusted' : 'failure',
    };
  } else {
    const answer = outcome as Extract<QueryOutcome, { kind: 'answer' }>;
    d = decideAnswer(order, classifyRetCode(answer.ret_code), now, settings, keepPolling, backOff);
    if (
      (d.alert === null || d.alert === 'not_found_overdue' || d.alert === 'unknown_code') &&
      answer.money_order !== null &&
      order.money_order !== null &&
      !moneyEquals(answer.money_order, order.money_order)
    ) {
      d.alert = 'amount_mismatch';
    }
  }

  // A final order stays so (a one-off confirming query): only a final code replacing `abandoned` moves it.
  if (d.to === null && isFinalState(order.state)) return { ...d, final: true, nextDelay: null };
  if (!d.final && now >= order.horizonAt) return { ...d, to: 'abandoned', final: true, nextDelay: null, nextStep: 0 };
  return d;
}

function decideAnswer(
  order: TrackedOrder,
  info: RetCodeInfo,
  now: number,
  settings: DecideSettings,
  keepPolling: (state: OrderState, step: number) => number,
  backOff: (step: number) => number,
): Decision {
  const same = order.step + 1;
  const stay = { to: null, final: false, nextStep: same, notFoundSince: order.notFoundSince, pauseMerchant: false, alert: null };
  switch (info.class) {
    case 'state': {
      const to = info.state as OrderState;
      const move = judgeMove(order.state, to);
      if (move === 'regression' || move === 'post_final') {
        const final = move === 'post_final';
        return {
          ...stay,
          final,
          nextDelay: final ? null : keepPolling(order.state, same),
          notFoundSince: null,
          alert: final ? 'post_final_disagreement' : 'regression',
          outcome: move,
        };
      }
      const changed = move === 'change';
      const nextStep = changed ? 0 : same;
      const final = isFinalState(to);
      return {
        ...stay,
        to: changed ? to : null,
        final,
        nextDelay: final ? null : keepPolling(to, nextStep),
        nextStep,
        notFoundSince: null,
        outcome: changed ? 'change' : 'same',
      };
    }
    case 'retry':
      return { ...stay, nextDelay: backOff(same), outcome: 'retry' };
    case 'config':
      return { ...stay, nextDelay: backOff(same), pauseMerchant: true, alert: 'config_error', outcome: 'config' };
    case 'not_found': {
      const since = order.notFoundSince ?? now;
      const overdue = now - since >= settings.notFoundGraceMs;
      return {
        ...stay,
        nextDelay: keepPolling(order.state, same),
        notFoundSince: since,
        alert: overdue ? 'not_found_overdue' : null,
        outcome: 'not_found',
      };
    }
    case 'wrong_paybill':
      // the merchant's oid_paybill is dropped and the next query names no_order alone: soon, at the schedule
      if (order.merchantPaybill === true)
        return { ...stay, nextDelay: keepPolling(order.state, same), alert: 'wrong_oid_paybill', outcome: 'wrong_paybill' };
      // LianLian contradicting its own oid_paybill (or one we did not send) tells us nothing we can act on
      return { ...stay, nextDelay: backOff(same), alert: 'unknown_code', outcome: 'unknown' };
    case 'unknown':
      return { ...stay, nextDelay: keepPolling(order.state, same), alert: 'unknown_code', outcome: 'unknown' };
  }
}
