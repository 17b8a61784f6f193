// Asking for a capture or void: every rule checked, then the action recorded durably (with its history entry and
// Idempotency-Key) BEFORE anything is sent. The runner (runner.ts) sends it, once.
import { createHash, randomBytes } from 'node:crypto';
import type { ActionKind } from '../clients/preauth-action-client.js';
import type { EngineContext } from '../engine-context.js';
import { LlreconError, fieldError } from '../errors.js';
import { parseMoney } from '../lianlian/money.js';
import { ACTION_FIELD, actionKeys } from '../store/action-keys.js';
import { actionFromHash, actionToHash, DID_NOT_TAKE, SETTLED_STATUSES, type ActionRecord } from '../store/action-record.js';
import type { HistoryEntry } from '../store/order-record.js';
import { runRecordAction } from '../store/scripts/action.js';

/** How long an Idempotency-Key is kept per order. */
export const IDEMPOTENCY_MS = 24 * 3_600_000;

/** The states an action may start from (capture_failed / void_failed: LianLian reported the last one failed). */
export const ACTION_START_STATES = ['authorized', 'capture_failed', 'void_failed'] as const;

export interface ActionRequest {
  kind: ActionKind;
  no_order: string;
  /** Capture only: the amount to capture (default: all that is authorized). */
  money_order?: string | null;
  reason: string;
  actor: string;
  source: string;
  idempotencyKey?: string | null;
  /** Capture only: LianLian's `risk_item`, a string holding JSON, sent verbatim. */
  risk_item?: string | null;
  /** The hold policy's action: recorded at most once per order, whatever else happened. */
  holdPolicy?: boolean;
}

export interface ActionRequested {
  action_id: string;
  /** The same Idempotency-Key (or the hold policy) had recorded this action before. */
  repeated: boolean;
}

const notAllowed = (message: string) => new LlreconError('LLRECON_ACTION_NOT_ALLOWED', message);

function cents(amount: string): bigint {
  const [whole = '0', frac = '00'] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
}

/** What makes two requests "the same request" for an Idempotency-Key. */
function fingerprintOf(r: ActionRequest): string {
  const body = { kind: r.kind, money_order: r.money_order ?? null, reason: r.reason, risk_item: r.risk_item ?? null };
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
}

function newActionId(kind: ActionKind, now: number): string {
  return `${kind === 'capture' ? 'cap' : 'void'}_${now.toString(36)}${randomBytes(6).toString('hex')}`;
}

/** The action stored under `id`, or null. */
export async function readAction(ctx: Pick<EngineContext, 'redis' | 'ks'>, id: string): Promise<ActionRecord | null> {
  return actionFromHash(await ctx.redis.hgetall(actionKeys(ctx.ks).action(id)));
}

function repeatOf(r: ActionRequest, prior: { id: string; fingerprint: string }, fingerprint: string): ActionRequested {
  if (prior.fingerprint !== fingerprint)
    throw new LlreconError(
      'LLRECON_IDEMPOTENCY_CONFLICT',
      `Idempotency-Key was used for another request on order ${r.no_order} (action ${prior.id})`,
    );
  return { action_id: prior.id, repeated: true };
}

/**
 * Checks the request against the contract (actions enabled, the order's state and payer, the amount, the last
 * action's outcome) and records it. A repeated Idempotency-Key returns the action it recorded.
 * @throws LlreconError `LLRECON_ACTION_NOT_ALLOWED`, `LLRECON_ORDER_NOT_FOUND`, `LLRECON_ORDER_UNTRACKED`,
 *   `LLRECON_INVALID_FIELD` (money_order), `LLRECON_IDEMPOTENCY_CONFLICT`.
 */
export async function requestAction(ctx: EngineContext, r: ActionRequest): Promise<ActionRequested> {
  if (!ctx.config.actionsEnabled) throw notAllowed('capture and void are off: ACTIONS_ENABLED=true turns them on');
  const keys = actionKeys(ctx.ks);
  const fingerprint = fingerprintOf(r);
  const key = r.idempotencyKey ?? null;
  if (key !== null) {
    const prior = await ctx.redis.get(keys.idempotency(r.no_order, key));
    if (prior !== null) {
      const bar = prior.indexOf('|');
      return repeatOf(r, { id: prior.slice(0, bar), fingerprint: prior.slice(bar + 1) }, fingerprint);
    }
  }
  const order = await ctx.store.get(r.no_order);
  if (order === null) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${r.no_order} is not tracked`);
  const [userId = null, lastId = null, untracked = null, holdAction = null] = await ctx.redis.hmget(
    ctx.ks.order(r.no_order),
    ACTION_FIELD.userId,
    ACTION_FIELD.lastAction,
    'ut',
    ACTION_FIELD.holdAction,
  );
  if (r.holdPolicy && holdAction !== null) return { action_id: holdAction, repeated: true };
  if (untracked !== null)
    throw new LlreconError('LLRECON_ORDER_UNTRACKED', `order ${r.no_order} was untracked: post it again to track it again`);
  if (!(ACTION_START_STATES as readonly string[]).includes(order.state))
    throw notAllowed(`order ${r.no_order} is ${order.state}: a ${r.kind} needs it authorized (or capture_failed / void_failed)`);
  if (userId === null) throw notAllowed(`order ${r.no_order} has no user_id (the payer's id LianLian needs): track it with user_id`);
  if (lastId !== null) {
    const last = await readAction(ctx, lastId);
    if (last !== null && !SETTLED_STATUSES.has(last.status))
      throw notAllowed(
        `action ${last.id} (${last.kind}) on order ${r.no_order} awaits its outcome (${last.status}): a new one waits until a confirming query shows it did not take`,
      );
    if (last !== null && !DID_NOT_TAKE.has(last.status)) throw notAllowed(`action ${last.id} on order ${r.no_order} is ${last.status}`);
  }
  const authorized = order.money_order;
  if (authorized === null) throw notAllowed(`order ${r.no_order}: the authorized amount is not known yet`);
  let amount = authorized;
  if (r.kind === 'capture' && r.money_order !== undefined && r.money_order !== null) {
    amount = parseMoney(r.money_order, 'money_order');
    if (cents(amount) > cents(authorized)) throw fieldError('money_order', `must not exceed the authorized amount ${authorized}`);
  }
  const now = ctx.now();
  const id = newActionId(r.kind, now);
  const record: ActionRecord = {
    id,
    kind: r.kind,
    no_order: r.no_order,
    money_order: amount,
    reason: r.reason,
    actor: r.actor,
    source: r.source,
    at: now,
    status: 'recorded',
    from_state: order.state,
    from_version: order.version,
    sent_at: null,
    answered_at: null,
    ret_code: null,
    ret_msg: null,
    signed: false,
    error: null,
    polls_at_answer: null,
    settled_at: null,
    risk_item: r.kind === 'capture' ? (r.risk_item ?? null) : null,
    fingerprint,
  };
  const entry: HistoryEntry & Record<string, unknown> = {
    at: now,
    kind: 'action',
    action: r.kind,
    actor: r.actor,
    source: r.source,
    reason: r.reason,
    action_id: id,
    money_order: amount,
  };
  const reply = await runRecordAction(ctx.redis, ctx.ks, {
    noOrder: r.no_order,
    state: order.state,
    lastAction: lastId,
    idempotencyKey: key,
    fingerprint,
    idempotencyMs: IDEMPOTENCY_MS,
    id,
    firstLookAt: now,
    entry: JSON.stringify(entry),
    onceField: r.holdPolicy ? ACTION_FIELD.holdAction : null,
    fields: actionToHash(record),
  });
  switch (reply.kind) {
    case 'recorded':
      ctx.log.info({ no_order: r.no_order, action_id: id, kind: r.kind, money_order: amount, actor: r.actor }, 'action recorded');
      return { action_id: id, repeated: false };
    case 'same':
      return repeatOf(r, reply, fingerprint);
    case 'once':
      return { action_id: reply.id, repeated: true };
    case 'gone':
      throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${r.no_order} is not tracked`);
    case 'untracked':
      throw new LlreconError('LLRECON_ORDER_UNTRACKED', `order ${r.no_order} was untracked: post it again to track it again`);
    case 'moved':
      throw notAllowed(`order ${r.no_order} changed while the ${r.kind} was being recorded: look at it again`);
  }
}
