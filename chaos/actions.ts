// Captures and voids in a chaos run: a share of the orders whose life goes on from PR07 to a capture or a void
// wait at PR07 until llrecon's own action arrives (the simulator then follows their script), so the run asks
// llrecon to capture or void them — through the API, with an Idempotency-Key so a POST retried across an outage
// is one action — under the same worker kills, Redis restart and outage, with answers lost after the action took
// effect. Checked: every action reached LianLian at most once, and (as for every order) the right end state with
// each event once; the capture/void changes say via capture/void.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { ACTION_FIELD, actionKeys } from '../src/store/action-keys.js';
import type { CloudEvent } from '../src/store/cloud-event.js';
import type { Keyspace } from '../src/store/keyspace.js';
import type { LianLianSimulator } from '../src/sandbox/simulator.js';
import type { ChaosCheck } from './checks.js';
import type { ChaosOrder } from './orders.js';

/** One order the run has llrecon capture or void. */
export interface ChaosActionOrder {
  order: ChaosOrder;
  kind: 'capture' | 'void';
}

/** The payer id every chaos order is tracked with (capture and void need one). */
export const CHAOS_USER_ID = 'chaos-payer';

/**
 * Picks every `every`-th order whose life goes PR07 → PR12 or PR07 → PR15 and makes it wait at PR07 (its PR07 step
 * loses its `after`): only llrecon's capture or void moves it on. Mutates those orders' timelines.
 */
export function markActionOrders(orders: ChaosOrder[], every: number): ChaosActionOrder[] {
  if (every <= 0) return [];
  const out: ChaosActionOrder[] = [];
  let eligible = 0;
  for (const o of orders) {
    const at = o.path.codes.indexOf('PR07');
    const next = o.path.codes[at + 1];
    if (at < 0 || (next !== 'PR12' && next !== 'PR15')) continue;
    if (eligible++ % every !== 0) continue;
    const step = o.timeline[at];
    if (step === undefined) continue;
    o.timeline[at] = { code: step.code };
    out.push({ order: o, kind: next === 'PR12' ? 'capture' : 'void' });
  }
  return out;
}

/** Faults of the capture/void endpoints (in the simulator's process): answers lost after the action took effect. */
export function planActionFaults(simulator: LianLianSimulator, rate: number): void {
  if (rate <= 0) return;
  for (const as of ['reset', 'http5xx', 'stall'] as const) simulator.injectActionFault({ kind: 'lost', as }, { probability: rate });
}

async function call(url: string, token: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const res = await fetch(url, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch {
    return null; // refused, reset or timed out (Redis away, API restarting): tried again
  }
}

/**
 * Asks llrecon to capture or void each order, again and again until it is accepted (202): before llrecon has the
 * order authorized the API refuses (409, nothing recorded), and across outages it answers 5xx or not at all. Each
 * order's own Idempotency-Key makes a POST whose answer was lost one action. One round a second, so the run's own
 * requests stay a small share of a busy machine. Resolves when every action was accepted, or at `untilMs`.
 */
export async function driveActions(
  apiUrl: string,
  token: string,
  actions: readonly ChaosActionOrder[],
  untilMs: number,
): Promise<{ accepted: number; refused: string[] }> {
  const pending = new Map(actions.map((a) => [a.order.no_order, a]));
  const refused: string[] = [];
  let accepted = 0;
  while (pending.size > 0 && Date.now() < untilMs) {
    for (const [no, a] of pending) {
      const r = await call(`${apiUrl}/orders/${encodeURIComponent(no)}/${a.kind}`, token, {
        method: 'POST',
        headers: { 'idempotency-key': `chaos-${no}` },
        body: JSON.stringify({ reason: 'chaos run', actor: 'chaos' }),
      });
      if (r === null || r.status >= 500 || r.status === 429) continue;
      const code = (r.body.error as { code?: string } | undefined)?.code;
      // not tracked yet (its wave comes later), not authorized yet, or its state moved while recording: later
      if (r.status === 404 && code === 'LLRECON_ORDER_NOT_FOUND') continue;
      if (
        r.status === 409 &&
        code === 'LLRECON_ACTION_NOT_ALLOWED' &&
        /is (pending|created|verifying|authorizing)|changed while/.test(JSON.stringify(r.body))
      )
        continue;
      pending.delete(no);
      if (r.status === 202) accepted++;
      else refused.push(`${no}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    await sleep(1000);
  }
  return { accepted, refused: [...refused, ...[...pending.keys()].map((no) => `${no}: never authorized in time`)] };
}

/** Action requests per order, as the simulator counted them (`GET /_sim/actions`). */
export async function actionRequests(simulatorUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${simulatorUrl}/_sim/actions`);
  return (await res.json()) as Record<string, number>;
}

/**
 * Actions whose process was SIGKILLed after claiming them and before their request left: they never reached LianLian
 * and llrecon never sends them again (it cannot tell whether they left: at most once), so their orders rightly stay
 * `authorized`. Found as llrecon recorded them (lost in a crash, no request at the simulator); their orders' expected
 * lives end at `authorized` (mutated), and they are returned for checkActions.
 */
export async function actionsLostInACrash(
  redis: Redis,
  ks: Keyspace,
  actions: readonly ChaosActionOrder[],
  requests: Readonly<Record<string, number>>,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const { order } of actions) {
    if ((requests[order.no_order] ?? 0) > 0) continue;
    const id = await redis.hget(ks.order(order.no_order), ACTION_FIELD.lastAction);
    if (id === null) continue;
    const [status, error] = await redis.hmget(actionKeys(ks).action(id), 'status', 'error');
    if (error !== 'crash' || (status !== 'lost' && status !== 'not_taken')) continue;
    out.add(order.no_order);
    order.expectedStates = order.expectedStates.slice(0, order.expectedStates.indexOf('authorized') + 1);
  }
  return out;
}

/** Every action reached LianLian exactly once (never twice), and its changes say via capture / void. */
export function checkActions(
  actions: readonly ChaosActionOrder[],
  requests: Readonly<Record<string, number>>,
  byOrder: ReadonlyMap<string, CloudEvent[]>,
  driven: { accepted: number; refused: string[] },
  lostInACrash: ReadonlySet<string> = new Set(),
): ChaosCheck {
  const problems: string[] = [...driven.refused];
  let once = 0;
  for (const { order, kind } of actions) {
    const n = requests[order.no_order] ?? 0;
    if (n > 1) problems.push(`${order.no_order}: the ${kind} reached LianLian ${n} times`);
    else if (n === 0 && lostInACrash.has(order.no_order)) continue;
    else if (n === 0) problems.push(`${order.no_order}: the ${kind} never reached LianLian`);
    else once++;
    // the action's changes, up to the one that settles it (done or failed), say via capture/void; what the order's
    // life does after a failed action (LianLian capturing again by itself, in the 'after a failed capture' paths) is
    // no longer the action's doing
    const moving = kind === 'capture' ? ['capturing', 'captured', 'capture_failed'] : ['voiding', 'voided', 'void_failed'];
    const settles = kind === 'capture' ? ['captured', 'capture_failed'] : ['voided', 'void_failed'];
    for (const e of byOrder.get(order.no_order) ?? []) {
      if (!moving.includes(e.data.state)) continue;
      if (e.data.via !== kind) problems.push(`${order.no_order}: ${e.data.state} via ${e.data.via}, not ${kind}`);
      if (settles.includes(e.data.state)) break;
    }
  }
  const name = 'every capture/void llrecon was asked for reached LianLian at most once (here: exactly once), changes via capture/void';
  if (problems.length === 0)
    return {
      name,
      pass: true,
      detail:
        `${once} of ${actions.length} actions sent once each (${driven.accepted} accepted by the API)` +
        (lostInACrash.size > 0 ? `; ${lostInACrash.size} killed before leaving, never sent again (their orders stay authorized)` : ''),
    };
  return {
    name,
    pass: false,
    detail: `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
  };
}
