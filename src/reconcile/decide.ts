// The pure decision after one query of a tracked order: what to write, when to query next, what to alert on.
import { DEFAULT_VALID_ORDER } from '../lianlian/fields.js';
import { moneyEquals } from '../lianlian/money.js';
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
}

/**
 * What one query produced: a signed, verified answer, or a failure (any LlreconError from the client: transport,
 * timeout, HTTP status, unparseable, unsigned, bad signature). `retCode` is the ret_code an untrusted answer carried.
 */
export type QueryOutcome =
  | { kind: 'answer'; ret_code: string; ret_msg: string; money_order: string | null }
  | { kind: 'failure'; errorCode: string; retCode: string | null };

export interface DecideSettings {
  /** `POLL_SCHEDULE`, or null for the default policy. */
  schedule: readonly number[] | null;
  /** `NOT_FOUND_GRACE`. */
  notFoundGraceMs: number;
}

export type Alert = 'config_error' | 'not_found_overdue' | 'amount_mismatch' | 'unknown_code';

/** What the query meant, for metrics and the order's timeline. */
export type DecisionOutcome = 'change' | 'same' | 'retry' | 'not_found' | 'config' | 'unknown' | 'failure' | 'untrusted';

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
const UNTRUSTED_ANSWER_ERRORS: ReadonlySet<string> = new Set(['LLRECON_UNSIGNED_ANSWER', 'LLRECON_BAD_ANSWER_SIGNATURE']);

/**
 * When tracking of an order ends without a final code: `trackedAt + trackingHorizonMs` when `TRACKING_HORIZON`
 * is set, else a day after the hold's deadline (dt_order + valid_order; 7 days after tracking began if unknown).
 */
export function horizonFor(p: { trackedAt: number; deadline: number | null; trackingHorizonMs: number | null }): number {
  if (p.trackingHorizonMs !== null) return p.trackedAt + p.trackingHorizonMs;
  return (p.deadline ?? p.trackedAt + DEFAULT_VALID_ORDER_MS) + DAY;
}

/**
 * Decides what one query of a tracked order leads to. Only a signed state code changes the state; the tracking
 * horizon turns any order still not final into `abandoned`. `random` (like Math.random) jitters failure delays.
 * One alert at most, by rank: `config_error`, then `amount_mismatch`, then `not_found_overdue` or `unknown_code`.
 * The not-found clock is cleared only by a state code (an answer that found the order).
 */
export function decide(order: TrackedOrder, outcome: QueryOutcome, now: number, settings: DecideSettings, random: () => number): Decision {
  const base = { now, deadline: order.deadline, schedule: settings.schedule };
  const keepPolling = (state: OrderState, step: number) => scheduledDelay({ ...base, state, step });
  const backOff = (step: number) => failureDelay({ ...base, state: order.state, step, random });
  const same = order.step + 1;

  let d: Decision;
  if (outcome.kind === 'failure') {
    const config = outcome.retCode !== null && classifyRetCode(outcome.retCode).class === 'config';
    d = {
      to: null,
      final: false,
      nextDelay: backOff(same),
      nextStep: same,
      notFoundSince: order.notFoundSince,
      pauseMerchant: config,
      alert: config ? 'config_error' : null,
      outcome: UNTRUSTED_ANSWER_ERRORS.has(outcome.errorCode) ? 'untrusted' : 'failure',
    };
  } else {
    d = decideAnswer(order, classifyRetCode(outcome.ret_code), now, settings, keepPolling, backOff);
    if (
      d.alert !== 'config_error' &&
      outcome.money_order !== null &&
      order.money_order !== null &&
      !moneyEquals(outcome.money_order, order.money_order)
    ) {
      d.alert = 'amount_mismatch';
    }
  }

  // An order already final stays so unless a signed state code moves it (a one-off confirming query).
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
      const changed = to !== order.state;
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
    case 'unknown':
      return { ...stay, nextDelay: keepPolling(order.state, same), alert: 'unknown_code', outcome: 'unknown' };
  }
}
