// One capture or void as llrecon keeps it (a hash under `<base>:actions:act:<id>`), written before anything is
// sent and moved on only by the scripts of scripts/action.ts.
//
//   recorded ──(claimed for sending, durably, BEFORE the request leaves)──► sending
//   sending ──► answered (LianLian's answer, signed or not) | lost (timeout, 5xx, crash: outcome unknown)
//   answered | lost ──(the state LianLian reports, by query)──► done | failed | refused | not_taken | superseded
//   recorded ──► not_sent (it could not be sent: never left)
// `sending` is never sent again: a process that finds an action there treats its answer as lost.
import type { ActionKind } from '../clients/preauth-action-client.js';
import type { OrderState } from '../reconcile/states.js';

export type ActionStatus =
  'recorded' | 'sending' | 'answered' | 'lost' | 'done' | 'failed' | 'refused' | 'not_taken' | 'superseded' | 'not_sent';

/** Statuses whose outcome is known: the action is over. */
export const SETTLED_STATUSES: ReadonlySet<ActionStatus> = new Set(['done', 'failed', 'refused', 'not_taken', 'superseded', 'not_sent']);

/** Settled statuses after which the operator may send a new action (the last one did not take). */
export const DID_NOT_TAKE: ReadonlySet<ActionStatus> = new Set(['failed', 'refused', 'not_taken', 'not_sent']);

/** Statuses in which a change of the order is the action's doing, as far as llrecon can tell (`via`). */
export const AWAITING_OUTCOME: ReadonlySet<ActionStatus> = new Set(['sending', 'answered', 'lost']);

export interface ActionRecord {
  id: string;
  kind: ActionKind;
  no_order: string;
  /** Capture: the amount to capture; void: the authorized amount. */
  money_order: string;
  reason: string;
  actor: string;
  source: string;
  at: number;
  status: ActionStatus;
  /** The order's state and version when the action was recorded. */
  from_state: OrderState;
  from_version: number;
  sent_at: number | null;
  answered_at: number | null;
  ret_code: string | null;
  ret_msg: string | null;
  /** The answer was signed by LianLian (and bound to the order). */
  signed: boolean;
  /** Why the answer is lost or untrusted (an LLRECON_ code, or `crash`). */
  error: string | null;
  /** The order's query count when the answer (or its loss) was recorded. */
  polls_at_answer: number | null;
  settled_at: number | null;
  risk_item: string | null;
  /** Hash of the request body (for Idempotency-Key). */
  fingerprint: string;
}

const STATUSES: ReadonlySet<string> = new Set(['recorded', 'sending', 'answered', 'lost', ...SETTLED_STATUSES]);

/** The record as hash fields (nulls left out). */
export function actionToHash(a: ActionRecord): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined) continue;
    out.push(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return out;
}

/** The record in hash `h` (HGETALL's answer), or null for none. */
export function actionFromHash(h: Record<string, string>): ActionRecord | null {
  if (h.id === undefined || h.kind === undefined || h.status === undefined || !STATUSES.has(h.status)) return null;
  const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
  return {
    id: h.id,
    kind: h.kind === 'void' ? 'void' : 'capture',
    no_order: h.no_order ?? '',
    money_order: h.money_order ?? '',
    reason: h.reason ?? '',
    actor: h.actor ?? '',
    source: h.source ?? '',
    at: Number(h.at),
    status: h.status as ActionStatus,
    from_state: h.from_state as OrderState,
    from_version: Number(h.from_version),
    sent_at: num(h.sent_at),
    answered_at: num(h.answered_at),
    ret_code: h.ret_code ?? null,
    ret_msg: h.ret_msg ?? null,
    signed: h.signed === '1',
    error: h.error ?? null,
    polls_at_answer: num(h.polls_at_answer),
    settled_at: num(h.settled_at),
    risk_item: h.risk_item ?? null,
    fingerprint: h.fingerprint ?? '',
  };
}
