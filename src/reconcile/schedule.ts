// THE polling policy: how long to wait before the next query of an order.
import type { OrderState } from './states.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * llrecon's documented default policy, used when `POLL_SCHEDULE` is unset. Each list gives the delays before
 * successive queries, start to start; its last entry repeats; it starts over at each change of state.
 */
export const DEFAULT_SCHEDULE = Object.freeze({
  /** Every state but `authorized` (pending, created, verifying, authorizing, capturing, voiding, capture_failed,
   *  void_failed): LianLian is busy with the order, or a failed capture/void may be retried soon. */
  inFlight: Object.freeze([5 * SECOND, 10 * SECOND, 20 * SECOND, 30 * SECOND, 1 * MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE]),
  /** `authorized`: the hold stands, waiting for a capture or void that may take days. */
  authorized: Object.freeze([1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 1 * HOUR]),
  /** Near the hold's deadline (dt_order + valid_order), from `before` ahead of it until `after` past it, the delay
   *  shrinks to at most max(`floor`, |time to deadline| / `divisor`), so that `2006` (expired) is seen promptly. */
  deadline: Object.freeze({ before: 1 * HOUR, after: 1 * HOUR, floor: 30 * SECOND, divisor: 4 }),
});

/** Share of a delay that a failed query's jitter may add on top of it (0.2: up to 20 % later, never earlier). */
export const FAILURE_JITTER = 0.2;

/** Where an order stands when its next query is planned. */
export interface ScheduleInput {
  state: OrderState;
  /** How many queries since the last change of state; the delay is the one before query number `step` (0 = first). */
  step: number;
  /** Epoch ms. */
  now: number;
  /** The hold's deadline (dt_order + valid_order) in epoch ms, when known. */
  deadline: number | null;
  /** `POLL_SCHEDULE` when set: then used exactly as written, whatever the state and deadline. */
  schedule: readonly number[] | null;
}

function at(list: readonly number[], step: number): number {
  return list[Math.min(Math.max(step, 0), list.length - 1)] as number;
}

/** The delay in ms before the next query of an order, by the schedule. */
export function scheduledDelay(p: ScheduleInput): number {
  if (p.schedule !== null) return at(p.schedule, p.step);
  const delay = at(p.state === 'authorized' ? DEFAULT_SCHEDULE.authorized : DEFAULT_SCHEDULE.inFlight, p.step);
  if (p.deadline === null) return delay;
  const toDeadline = p.deadline - p.now;
  const { before, after, floor, divisor } = DEFAULT_SCHEDULE.deadline;
  if (toDeadline > before || toDeadline < -after) return delay;
  return Math.min(delay, Math.max(floor, Math.ceil(Math.abs(toDeadline) / divisor)));
}

/**
 * The delay in ms after a failed query (transport error, timeout, 5xx, unsigned or unparseable answer, or a
 * retry code): the scheduled delay for `p.step`, jittered upward only, within `[d, d * (1 + FAILURE_JITTER)]`, so
 * that failures never query faster than the schedule and many orders failing together spread out.
 */
export function failureDelay(p: ScheduleInput & { random: () => number }): number {
  const d = scheduledDelay(p);
  const r = Math.min(Math.max(p.random(), 0), 1);
  return Math.floor(d + d * FAILURE_JITTER * r);
}
