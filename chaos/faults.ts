// The faults a chaos run plays at the simulator, and how many of them llrecon's query workers saw (their logs).
import { PHASE_OF } from '../src/reconcile/lifecycle.js';
import type { LianLianSimulator } from '../src/sandbox/simulator.js';
import type { Fault } from '../src/sandbox/faults.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import { readLogs } from './logs.js';
import { STATE_OF_CODE } from './orders.js';

/**
 * The kinds played, each with an equal share of the fault rate. `swapped` answers with another order's genuine
 * signed answer; `stale` with the order's previous code (a lagging replica), only for orders whose life moves to a
 * later phase at every step (see {@link planStale}), and last in turn.
 */
export const CHAOS_FAULT_KINDS = ['http5xx', 'unsigned9999', 'malformed', 'badSignature', 'latency', 'stall', 'swapped', 'stale'] as const;

/** One of {@link CHAOS_FAULT_KINDS}. */
export type ChaosFaultKind = (typeof CHAOS_FAULT_KINDS)[number];

function faultOf(kind: ChaosFaultKind, latencyMs: number): Fault {
  switch (kind) {
    case 'http5xx':
      return { kind, status: 503 };
    case 'latency':
      return { kind, ms: latencyMs };
    default:
      return { kind };
  }
}

/** The chance a rule at position `i` of the plan gets, for each kind to hit rate/n of all queries overall. */
function chanceAt(i: number, rate: number): number {
  const share = rate / CHAOS_FAULT_KINDS.length;
  return Math.min(1, share / (1 - i * share));
}

/**
 * Plans `rate` (0…1) of all pre-auth queries to fail, split equally among the kinds, until the simulator stops.
 * The simulator tries its rules in turn, each with its own roll, so each rule's probability is conditional on
 * the rules before it having missed: kind i gets (rate/n) / (1 − i·rate/n), which makes every kind rate/n overall.
 * `stale` is planned per order, by {@link planStale}, after these.
 */
export function planFaults(simulator: LianLianSimulator, rate: number, latencyMs: number): void {
  CHAOS_FAULT_KINDS.forEach((kind, i) => {
    if (kind !== 'stale') simulator.injectFault(faultOf(kind, latencyMs), { probability: chanceAt(i, rate) });
  });
}

/**
 * Plans stale answers for `order` when every step of its life is a later phase than the one before: then a stale
 * answer is a regression llrecon must never apply, and the run's checks (its events must be exactly the scripted
 * changes) fail if it does. Within a phase (verifying ⇄ authorizing, capturing ⇄ capture_failed …) an earlier code
 * is a change by the contract, indistinguishable from a real one, so such lives get none.
 */
export function planStale(simulator: LianLianSimulator, order: NewOrder, rate: number): boolean {
  const phases = (order.timeline ?? []).map((s) => PHASE_OF[STATE_OF_CODE[s.code] ?? 'pending']);
  if (phases.length < 2 || phases.some((p, i) => i > 0 && p <= (phases[i - 1] as number))) return false;
  simulator.injectFault({ kind: 'stale' }, { no_order: order.no_order, probability: chanceAt(CHAOS_FAULT_KINDS.indexOf('stale'), rate) });
  return true;
}

/** The kind of a line a query worker logs for an answer it did not believe or apply, or null. */
function answerKindOf(line: { msg?: unknown; reason?: unknown }): string | null {
  if (typeof line.msg !== 'string') return null;
  if (line.msg.startsWith('untrusted answer') && line.reason === 'other_order') return 'swapped (untrusted)';
  if (line.msg.startsWith('alert: regression')) return 'stale (regression)';
  return null;
}

/** The error code a query worker logs for each kind that makes a query fail (latency answers normally). */
const KIND_OF_CODE: Readonly<Record<string, string>> = {
  LLRECON_HTTP_STATUS: 'http5xx',
  LLRECON_UNSIGNED_ANSWER: 'unsigned9999',
  LLRECON_UNPARSEABLE_ANSWER: 'malformed',
  LLRECON_BAD_ANSWER_SIGNATURE: 'badSignature',
  LLRECON_TIMEOUT: 'stall (timeout)',
  LLRECON_TRANSPORT: 'transport',
};

/**
 * Failed queries per kind, as the query workers logged them (`query failed` lines of the `.log` files in `logDir`
 * whose names start with `prefix`), and the answers they did not believe (swapped: untrusted) or apply (stale:
 * regressions). A query whose worker was killed before it logged is not counted.
 */
export function failuresSeen(logDir: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const text of readLogs(logDir, prefix).split('\n')) {
    if (!text.includes('"query failed"') && !text.includes('"untrusted answer') && !text.includes('"alert: regression')) continue;
    let line: { msg?: unknown; code?: unknown; reason?: unknown };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue; // a line cut short by SIGKILL
    }
    const kind =
      line.msg === 'query failed'
        ? typeof line.code === 'string'
          ? (KIND_OF_CODE[line.code] ?? line.code)
          : 'unknown'
        : answerKindOf(line);
    if (kind !== null) out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}
