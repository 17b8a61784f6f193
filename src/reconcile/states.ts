// The order states and event types of llrecon's public contract (interface.md "Order states", "Events").

/** Every state an order can be in, in the order the README lists them. */
export const ORDER_STATES = [
  'pending',
  'created',
  'verifying',
  'authorizing',
  'authorized',
  'auth_failed',
  'capturing',
  'captured',
  'capture_failed',
  'voiding',
  'voided',
  'void_failed',
  'expired',
  'abandoned',
] as const;

/** One of {@link ORDER_STATES}. */
export type OrderState = (typeof ORDER_STATES)[number];

/** States after which an order is polled no more. */
export const FINAL_STATES = ['auth_failed', 'captured', 'voided', 'expired', 'abandoned'] as const satisfies readonly OrderState[];

/** Every `type` an event on the stream can carry. */
export const EVENT_TYPES = [
  'preauth.updated',
  'preauth.authorized',
  'preauth.failed',
  'preauth.captured',
  'preauth.capture_failed',
  'preauth.voided',
  'preauth.void_failed',
  'preauth.expired',
  'preauth.abandoned',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * What led to a change of state: the `via` of an event and of a history entry. `capture` / `void`: a change found
 * while an action of llrecon's on the order awaited its outcome, whichever query found it.
 */
export type Via = 'poll' | 'notify' | 'requery' | 'horizon' | 'capture' | 'void';

const FINAL: ReadonlySet<string> = new Set(FINAL_STATES);
const KNOWN: ReadonlySet<string> = new Set(ORDER_STATES);

/** True for a state after which an order is polled no more. */
export function isFinalState(state: OrderState): boolean {
  return FINAL.has(state);
}

/** Narrows any value (a query parameter, a stored field) to an {@link OrderState}. */
export function isOrderState(value: unknown): value is OrderState {
  return typeof value === 'string' && KNOWN.has(value);
}

const EVENT_TYPE_OF: Readonly<Record<OrderState, EventType>> = {
  // `pending` is only ever a starting state: no change leads into it.
  pending: 'preauth.updated',
  created: 'preauth.updated',
  verifying: 'preauth.updated',
  authorizing: 'preauth.updated',
  authorized: 'preauth.authorized',
  auth_failed: 'preauth.failed',
  capturing: 'preauth.updated',
  captured: 'preauth.captured',
  capture_failed: 'preauth.capture_failed',
  voiding: 'preauth.updated',
  voided: 'preauth.voided',
  void_failed: 'preauth.void_failed',
  expired: 'preauth.expired',
  abandoned: 'preauth.abandoned',
};

/** The event `type` of a change of state INTO `state`. */
export function eventTypeFor(state: OrderState): EventType {
  return EVENT_TYPE_OF[state];
}
