// The keys of captures and voids (all `<base>:actions:<part>`, see keyspace.ts) and the fields they add to an
// order's hash. Beside the order record (order-record.ts), never part of it: an order without actions costs nothing.
import { createHash } from 'node:crypto';
import type { HoldExpiryAction, OrderToTrack } from '../lianlian/fields.js';
import type { Keyspace } from './keyspace.js';

/** Fields an order's hash may carry for actions. `money_captured` is read by settlement matching. */
export const ACTION_FIELD = {
  /** The payer's id in the merchant's system (given when tracked). */
  userId: 'uid',
  /** The order's `on_hold_expiry` (absent: none). */
  onHoldExpiry: 'ohe',
  /** The id of the order's latest action. */
  lastAction: 'act',
  /** The amount of the capture sent (two decimals). */
  moneyCaptured: 'money_captured',
  /** When `preauth.hold_expiring` was written for the order (once). */
  holdWarnedAt: 'hw',
  /** The id of the action its `on_hold_expiry` led to (once). */
  holdAction: 'hx',
} as const;

/** The keys of one action, of the open actions, of an idempotency key, of a lease, of the hold warnings. */
export const actionKeys = (ks: Keyspace) => ({
  /** Hash: one action's record (action-record.ts). */
  action: (id: string) => ks.actions(`act:${id}`),
  /** Zset: actions whose outcome is not known yet, scored by when to look at them next. */
  open: ks.actions('open'),
  /** String with PX 24 h: `<action id>|<request fingerprint>` for an Idempotency-Key on an order. */
  idempotency: (noOrder: string, key: string) =>
    ks.actions(`idem:${noOrder}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`),
  /** String with PX: one process holds this piece of work (an action, the hold sweep). */
  lease: (name: string) => ks.actions(`lease:${name}`),
  /** Zset: orders flagged `preauth.hold_expiring`, scored by their hold's deadline (the dashboard's banner). */
  holdsExpiring: ks.actions('holds'),
});

/** The action fields of an order to track, as hash field/value pairs (none when absent). */
export function actionPolicyFields(o: Pick<OrderToTrack, 'user_id' | 'on_hold_expiry'>): string[] {
  const out: string[] = [];
  if (o.user_id) out.push(ACTION_FIELD.userId, o.user_id);
  const policy: HoldExpiryAction | undefined = o.on_hold_expiry;
  if (policy !== undefined && policy !== 'none') out.push(ACTION_FIELD.onHoldExpiry, policy);
  return out;
}
