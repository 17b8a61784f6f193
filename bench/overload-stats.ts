// The overload benchmark's arithmetic, pure: from the queries the simulator answered (order, time, ret_code) and
// what the bench did (when it tracked each order, when it asked for a re-query), each query's poll lag by urgency
// class, new orders' first query, the share of the cap used, and the worst-served authorized order.
//
// The lag is llrecon_poll_lag_seconds' meaning (from the order's next_poll_at to the answer), rebuilt from outside:
// llrecon sets next_poll_at = answer time + the scheduled delay (POLL_SCHEDULE[step], step 0 after tracking and
// after each change of state, one more after each answer that changes nothing), so replaying an order's answers
// gives each poll's due time. The simulator's answer time stands for llrecon's (loopback: under a millisecond).
import { classifyRetCode } from '../src/reconcile/return-codes.js';
import type { OrderState } from '../src/reconcile/states.js';

/** Urgency classes of issue 12, most urgent first. */
export const CLASSES = ['confirming', 'active', 'authorized'] as const;
export type UrgencyClass = (typeof CLASSES)[number];

/** States where something is happening (issue 12): polled ahead of authorized orders. */
const ACTIVE_STATES: ReadonlySet<OrderState> = new Set([
  'pending',
  'created',
  'verifying',
  'authorizing',
  'capturing',
  'voiding',
  'capture_failed',
  'void_failed',
]);

/** The last hour of a hold: an authorized order this close to its deadline (or past it) counts as active. */
export const HOLD_END_MS = 3_600_000;

/** The routine class of a poll due at `dueAt` of an order in `state` whose hold ends at `deadline`. */
export function routineClass(state: OrderState, deadline: number | null, dueAt: number): Exclude<UrgencyClass, 'confirming'> | null {
  if (ACTIVE_STATES.has(state)) return 'active';
  if (state !== 'authorized') return null; // final: not polled
  return deadline !== null && deadline - dueAt <= HOLD_END_MS ? 'active' : 'authorized';
}

/** The q-quantile (0..1) of `values` by the nearest-rank method; NaN for none. Sorts a copy. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** One answered query, as the simulator saw it. */
export interface Answer {
  /** Epoch ms the answer left the simulator. */
  at: number;
  retCode: string;
}

/** One order of the scenario and everything that happened to it. */
export interface OrderTrace {
  no: string;
  /** When `engine.track` accepted it (epoch ms): its first poll is due a schedule[0] later. */
  trackedAt: number;
  /** The hold's deadline (epoch ms), or null when far away. */
  deadline: number | null;
  /** Whether the bench is re-querying it: then its queries count as confirming only. */
  confirmTarget: boolean;
  /** When the bench called `engine.requery` on it, ascending. */
  requeries: number[];
  /** Its answers, ascending by time. */
  answers: Answer[];
}

/** The window measured, epoch ms: queries answered in [from, to) count. */
export interface Window {
  from: number;
  to: number;
}

/** The delay before the query number `step` since the last change of state (POLL_SCHEDULE semantics). */
export function delayAt(schedule: readonly number[], step: number): number {
  if (schedule.length === 0) throw new Error('an empty schedule');
  return schedule[Math.min(Math.max(step, 0), schedule.length - 1)] as number;
}

/** What one order contributes to the figures. */
export interface OrderFigures {
  /**
   * Routine poll lags (ms) of answers in the window, by the class the order was in when the poll was due; a poll
   * due before the window's end and not answered by then counts too, to the window's end (`waiting`): leaving it
   * out would flatter a mode that leaves some orders waiting.
   */
  lags: Array<{ cls: Exclude<UrgencyClass, 'confirming'>; ms: number; waiting: boolean }>;
  /** Re-query to answer (ms), for re-queries made in the window (unanswered ones: to the window's end). */
  confirms: Array<{ ms: number; answered: boolean }>;
  /**
   * The longest gap (ms) between queries while the order was authorized outside its last hour, ending in the window
   * (the last one may be open: to the window's end), and the delay the schedule asked for there; null if none.
   */
  worstGap: { gapMs: number; scheduledMs: number; open: boolean } | null;
}

/** Replays one order's answers against the schedule (see the file comment). */
export function replayOrder(o: OrderTrace, schedule: readonly number[], w: Window): OrderFigures {
  const out: OrderFigures = { lags: [], confirms: [], worstGap: null };
  const inWindow = (t: number) => t >= w.from && t < w.to;
  if (o.confirmTarget) {
    let i = 0;
    for (const r of o.requeries) {
      if (!inWindow(r)) continue;
      while (i < o.answers.length && (o.answers[i] as Answer).at < r) i++;
      const a = o.answers[i];
      if (a !== undefined && a.at < w.to) out.confirms.push({ ms: a.at - r, answered: true });
      else out.confirms.push({ ms: w.to - r, answered: false });
    }
    return out;
  }
  let state: OrderState = 'pending';
  let step = 0;
  let prevAt = o.trackedAt;
  let due = o.trackedAt + delayAt(schedule, 0);
  const noteGap = (endAt: number, open: boolean) => {
    if (state !== 'authorized' || routineClass(state, o.deadline, due) !== 'authorized' || endAt < w.from) return;
    const gapMs = endAt - prevAt;
    const scheduledMs = due - prevAt;
    const worst = out.worstGap;
    if (worst === null || gapMs / scheduledMs > worst.gapMs / worst.scheduledMs) out.worstGap = { gapMs, scheduledMs, open };
  };
  for (const a of o.answers) {
    if (a.at >= w.to) break;
    const cls = routineClass(state, o.deadline, due);
    if (a.at >= w.from && cls !== null) out.lags.push({ cls, ms: Math.max(0, a.at - due), waiting: false });
    noteGap(a.at, false);
    const next: OrderState = classifyRetCode(a.retCode).state ?? state;
    step = next === state ? step + 1 : 0;
    state = next;
    prevAt = a.at;
    due = a.at + delayAt(schedule, step);
  }
  noteGap(w.to, true);
  const cls = routineClass(state, o.deadline, due);
  if (due < w.to && cls !== null) out.lags.push({ cls, ms: w.to - due, waiting: true });
  return out;
}

/** New orders' first query: from tracking to the first answer (ms); unanswered by the window's end count to it. */
export function firstQueries(orders: readonly OrderTrace[], w: Window): { ms: number[]; unanswered: number } {
  const ms: number[] = [];
  let unanswered = 0;
  for (const o of orders) {
    if (o.trackedAt < w.from || o.trackedAt >= w.to) continue;
    const first = o.answers[0];
    if (first !== undefined && first.at < w.to) ms.push(first.at - o.trackedAt);
    else {
      unanswered++;
      ms.push(w.to - o.trackedAt);
    }
  }
  return { ms, unanswered };
}

/** p50/p99 of a sample (ms), with its size. */
export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
}

export function percentiles(ms: readonly number[]): Percentiles {
  return { n: ms.length, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
}

/** The figures of one run, per class. */
export interface OverloadFigures {
  lag: Record<UrgencyClass, Percentiles>;
  /** Polls of each class due and not answered by the window's end (in `lag`, counted to the end). */
  waiting: Record<UrgencyClass, number>;
  firstQuery: Percentiles & { unanswered: number; scheduledMs: number };
  queriesPerSec: number;
  worst: { no: string; gapMs: number; scheduledMs: number; open: boolean } | null;
}

/** Every figure of a run from its orders' traces. */
export function overloadFigures(
  traces: readonly OrderTrace[],
  newOrders: readonly OrderTrace[],
  schedule: readonly number[],
  w: Window,
): OverloadFigures {
  const lags: Record<UrgencyClass, number[]> = { confirming: [], active: [], authorized: [] };
  const waiting: Record<UrgencyClass, number> = { confirming: 0, active: 0, authorized: 0 };
  let worst: OverloadFigures['worst'] = null;
  let answered = 0;
  for (const o of traces) {
    for (const a of o.answers) if (a.at >= w.from && a.at < w.to) answered++;
    const f = replayOrder(o, schedule, w);
    for (const l of f.lags) {
      lags[l.cls].push(l.ms);
      if (l.waiting) waiting[l.cls]++;
    }
    for (const c of f.confirms) {
      lags.confirming.push(c.ms);
      if (!c.answered) waiting.confirming++;
    }
    const g = f.worstGap;
    if (g !== null && (worst === null || g.gapMs / g.scheduledMs > worst.gapMs / worst.scheduledMs)) worst = { no: o.no, ...g };
  }
  const first = firstQueries(newOrders, w);
  return {
    lag: { confirming: percentiles(lags.confirming), active: percentiles(lags.active), authorized: percentiles(lags.authorized) },
    waiting,
    firstQuery: { ...percentiles(first.ms), unanswered: first.unanswered, scheduledMs: delayAt(schedule, 0) },
    queriesPerSec: answered / ((w.to - w.from) / 1000),
    worst,
  };
}

/**
 * The mean lag (ms) of the routine polls answered in `w`, every class together: the same thing the engine's own
 * llrecon_poll_lag_seconds sums and counts, for checking this replay against it.
 */
export function answeredLagMean(traces: readonly OrderTrace[], schedule: readonly number[], w: Window): { n: number; meanMs: number } {
  let n = 0;
  let sum = 0;
  for (const o of traces)
    for (const l of replayOrder(o, schedule, w).lags)
      if (!l.waiting) {
        n++;
        sum += l.ms;
      }
  return { n, meanMs: n === 0 ? NaN : sum / n };
}
