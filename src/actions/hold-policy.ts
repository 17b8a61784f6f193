// An order's `on_hold_expiry` is carried out by a capture or void: it needs ACTIONS_ENABLED (the payer's
// `user_id` is checked with the order's fields, in src/lianlian/fields.ts).
import { fieldError } from '../errors.js';
import type { OrderToTrack } from '../lianlian/fields.js';

/** Refuses, naming the field (`orders[1].on_hold_expiry`), a hold policy while actions are off. */
export function checkHoldPolicies(items: ReadonlyArray<{ order: OrderToTrack; path: string }>, actionsEnabled: boolean): void {
  if (actionsEnabled) return;
  const first = items.find((it) => it.order.on_hold_expiry !== undefined && it.order.on_hold_expiry !== 'none');
  if (first === undefined) return;
  const field = first.path === '' ? 'on_hold_expiry' : `${first.path}.on_hold_expiry`;
  throw fieldError(field, `${first.order.on_hold_expiry} needs ACTIONS_ENABLED=true (llrecon sends no capture or void otherwise)`);
}
