// What the state LianLian reports means for an action awaiting its outcome. Pure: the order and the action as
// read, and the time, are passed in. The query decides, never the action's own answer: a 0000 answer is not
// proof (protocol §8), and a lost one proves nothing either way.
import type { OrderState } from '../reconcile/states.js';
import type { ActionRecord, ActionStatus } from '../store/action-record.js';

/** How long confirming queries must keep answering the state the action started from before it counts as not taken. */
export const NOT_TAKEN_AFTER_MS = 30 * 60_000;

const STATES = {
  capture: { done: 'captured', failed: 'capture_failed', busy: 'capturing' },
  void: { done: 'voided', failed: 'void_failed', busy: 'voiding' },
} as const satisfies Record<string, { done: OrderState; failed: OrderState; busy: OrderState }>;

/** The order as the judgement needs it (null: not tracked any more). */
export interface OrderNow {
  state: OrderState;
  version: number;
  polls: number;
  final: boolean;
}

export type Judgement =
  { settle: Extract<ActionStatus, 'done' | 'failed' | 'refused' | 'not_taken' | 'superseded'>; why: string } | { wait: string };

/** The outcome of an action whose answer is in (`answered`) or lost (`lost`), or why it still waits. */
export function judgeOutcome(action: ActionRecord, order: OrderNow | null, now: number): Judgement {
  const s = STATES[action.kind];
  if (order === null) return { settle: 'superseded', why: 'the order is not tracked any more' };
  if (order.state === s.done) return { settle: 'done', why: `LianLian reports the order ${order.state}` };
  if (order.state === s.failed && order.version > action.from_version)
    return { settle: 'failed', why: `LianLian reports the ${action.kind} failed (${order.state})` };
  if (order.final) return { settle: 'superseded', why: `the order became ${order.state} otherwise` };
  if (order.state === s.busy) return { wait: `LianLian reports the ${action.kind} in progress` };
  const unchanged = order.state === action.from_state && order.version === action.from_version;
  if (!unchanged) return { wait: `the order is ${order.state}` };
  // only queries completed after the answer was recorded count; the second one surely started after it
  const queried = order.polls - (action.polls_at_answer ?? order.polls);
  if (action.status === 'answered' && action.signed && action.ret_code !== '0000' && queried >= 2)
    return { settle: 'refused', why: `LianLian refused it (${action.ret_code}) and still reports the order ${order.state}` };
  const since = action.sent_at ?? action.at;
  if (now - since >= NOT_TAKEN_AFTER_MS && queried >= 1)
    return {
      settle: 'not_taken',
      why: `confirming queries still report the order ${order.state} ${Math.round((now - since) / 60_000)} minutes after it was sent`,
    };
  return { wait: `the order is still ${order.state}: confirming` };
}

/**
 * When to look at a waiting action again (and ask for another confirming query if LianLian still shows no sign of
 * it), by the time since its answer was recorded: soon at first (LianLian usually moves the order within seconds),
 * then less and less, so that waiting actions never crowd routine polls out of the query cap.
 */
export function nextLookMs(sinceAnswerMs: number): number {
  if (sinceAnswerMs < 10_000) return 1_000;
  if (sinceAnswerMs < 60_000) return 5_000;
  if (sinceAnswerMs < 10 * 60_000) return 30_000;
  return 60_000;
}
