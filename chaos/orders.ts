// The orders of a chaos run: scripted lives with known final states, and what their events must be.
// Pure: the run's tag, the clock and the counts are passed in.
import { formatLianLianTime } from '../src/lianlian/time.js';
import type { OrderState } from '../src/reconcile/states.js';
import type { Step } from '../src/sandbox/timeline.js';

/** A scripted life: the codes LianLian answers, in turn; the last one is final. */
export interface ChaosPath {
  name: string;
  codes: readonly string[];
}

/**
 * The lives played, in rotation: captures and voids (some with a failed capture or void in between, some with a
 * verification step), failed authorizations and expiries.
 */
export const CHAOS_PATHS: readonly ChaosPath[] = [
  { name: 'captured', codes: ['2003', 'PR09', 'PR07', 'PR12', 'PR11'] },
  { name: 'voided', codes: ['2003', 'PR09', 'PR07', 'PR15', 'PR14'] },
  { name: 'auth_failed', codes: ['2003', 'PR09', 'PR10'] },
  { name: 'expired', codes: ['2003', '2006'] },
  { name: 'captured after a failed capture', codes: ['2003', 'PR09', 'PR07', 'PR12', 'PR13', 'PR12', 'PR11'] },
  { name: 'voided after a failed void', codes: ['2003', 'PR09', 'PR07', 'PR15', 'PR16', 'PR15', 'PR14'] },
  { name: 'captured after verification', codes: ['2003', 'PR08', 'PR09', 'PR07', 'PR12', 'PR11'] },
  { name: 'captured directly', codes: ['PR07', 'PR12', 'PR11'] },
];

/** The state each code of the paths stands for (interface.md "Order states"). */
export const STATE_OF_CODE: Readonly<Record<string, OrderState>> = {
  '2003': 'created',
  PR08: 'verifying',
  PR09: 'authorizing',
  PR07: 'authorized',
  PR10: 'auth_failed',
  PR12: 'capturing',
  PR11: 'captured',
  PR13: 'capture_failed',
  PR15: 'voiding',
  PR14: 'voided',
  PR16: 'void_failed',
  '2006': 'expired',
};

/** One order of a run: what is tracked, what the simulator plays, and the events it must lead to. */
export interface ChaosOrder {
  no_order: string;
  dt_order: string;
  money_order: string;
  /** LianLian's transaction number, given to the simulator (so forged callbacks can name it). */
  oid_paybill: string;
  path: ChaosPath;
  /** The simulator's timeline: every step but the last lasts `answersPerStep` answers. */
  timeline: Step[];
  /** Whether the simulator sends asynchronous notifications for this order (for every code it enters). */
  notifies: boolean;
  /** The states of its events, in order: one per change of state. */
  expectedStates: OrderState[];
}

/** How a run's orders are made. */
export interface OrderPlan {
  /** How many orders. */
  count: number;
  /** Answers each non-final step lasts (≥ 1 more than the answers a step may lose to kills and faults). */
  answersPerStep: number;
  /** One block of CHAOS_PATHS.length consecutive orders in `notifyEvery` has notifications (0: none), so every
   *  path is played with notifications too. */
  notifyEvery: number;
  /** A short tag that makes this run's order numbers unique (letters and digits). */
  tag: string;
  /** When the orders are placed (epoch ms): their dt_order. */
  nowMs: number;
}

/** `cents` as a two-decimal money string, without floating point. */
function money(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** The states an order following `codes` must emit, one per change (consecutive repeats are no change). */
export function expectedStatesOf(codes: readonly string[]): OrderState[] {
  const out: OrderState[] = [];
  for (const code of codes) {
    const state = STATE_OF_CODE[code];
    if (state === undefined) throw new Error(`chaos: no state for code ${code}`);
    if (out.at(-1) !== state) out.push(state);
  }
  return out;
}

/** The orders of a run, paths in rotation. */
export function makeOrders(plan: OrderPlan): ChaosOrder[] {
  const dt_order = formatLianLianTime(plan.nowMs);
  return Array.from({ length: plan.count }, (_, i) => {
    const path = CHAOS_PATHS[i % CHAOS_PATHS.length] as ChaosPath;
    const timeline: Step[] = path.codes.map((code, j) =>
      j === path.codes.length - 1 ? { code } : { code, after: { queries: plan.answersPerStep } },
    );
    return {
      no_order: `CH${plan.tag}${String(i).padStart(6, '0')}`,
      dt_order,
      money_order: money(100 + ((i * 7919) % 99_900)),
      oid_paybill: `${dt_order.slice(0, 8)}${String(i).padStart(8, '0')}`,
      path,
      timeline,
      notifies: plan.notifyEvery > 0 && Math.floor(i / CHAOS_PATHS.length) % plan.notifyEvery === 0,
      expectedStates: expectedStatesOf(path.codes),
    };
  });
}
