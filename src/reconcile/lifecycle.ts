// The forward-only lifecycle (interface.md "What llrecon believes"): states grouped in phases, an order moves
// only to the same or a later phase, and a final state never changes — except `abandoned`, llrecon's own verdict,
// which a later final code from LianLian replaces. The transition script enforces the same table in Redis
// (store/scripts/transition.ts builds its Lua from PHASE_OF), whatever its caller says.
import { isFinalState, type OrderState } from './states.js';

/**
 * Each state's phase: pending → created → verifying/authorizing → authorized →
 * capturing/voiding/capture_failed/void_failed → final.
 */
export const PHASE_OF: Readonly<Record<OrderState, number>> = Object.freeze({
  pending: 0,
  created: 1,
  verifying: 2,
  authorizing: 2,
  authorized: 3,
  capturing: 4,
  voiding: 4,
  capture_failed: 4,
  void_failed: 4,
  auth_failed: 5,
  captured: 5,
  voided: 5,
  expired: 5,
  abandoned: 5,
});

/**
 * What an answer reporting `to` means for an order in `from`:
 * - `same`: the state it is in;
 * - `change`: a later phase, another state of the same phase, or a final code replacing `abandoned`;
 * - `regression`: an earlier phase (a stale answer, e.g. a lagging replica): recorded and alerted, never applied;
 * - `post_final`: anything else for a final order (a post-final disagreement): recorded and alerted, never applied.
 */
export type Move = 'same' | 'change' | 'regression' | 'post_final';

/** Judges a move from `from` to `to` (see {@link Move}). */
export function judgeMove(from: OrderState, to: OrderState): Move {
  if (from === to) return 'same';
  if (isFinalState(from)) return from === 'abandoned' && isFinalState(to) ? 'change' : 'post_final';
  return PHASE_OF[to] < PHASE_OF[from] ? 'regression' : 'change';
}
