// The CloudEvents 1.0 object of one change of state (interface.md "Events"). Pure: everything is passed in.
import { eventTypeFor, type EventType, type OrderState, type Via } from '../reconcile/states.js';
import type { OrderRecord } from './order-record.js';

/** The `data` of an event: every key present, null when unknown. */
export interface EventData {
  no_order: string;
  oid_partner: string;
  oid_paybill: string | null;
  dt_order: string;
  money_order: string | null;
  ret_code: string | null;
  ret_msg: string | null;
  state: OrderState;
  previous_state: OrderState;
  via: Via;
}

/** An event as it is written to (and read from) the stream's `event` field. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: 'llrecon';
  type: EventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: EventData;
}

export interface EventInput {
  /** The merchant: makes the id unique across merchants sharing a consumer. */
  oid_partner: string;
  /** The order as it will be after the change (oid_paybill / money_order already filled in). */
  order: Pick<OrderRecord, 'no_order' | 'dt_order' | 'oid_paybill' | 'money_order'>;
  to: OrderState;
  from: OrderState;
  ret_code: string | null;
  ret_msg: string | null;
  via: Via;
  /** When the change happened, epoch ms. */
  at: number;
  /** The order's version after the change: the same change always has the same version, hence the same id. */
  version: number;
}

/**
 * The stable id of the change that brings `no_order` of `oid_partner` to `version` in `state`:
 * `<oid_partner>:<no_order>:<version>:<state>`. A retry or a second worker makes the same change, so the same id;
 * the state is in it so that a change lost with Redis's last second and then made differently (the same version,
 * another state) gets another id, which a consumer de-duplicating by id does not drop.
 */
export function eventId(oidPartner: string, noOrder: string, version: number, state: OrderState): string {
  return `${oidPartner}:${noOrder}:${version}:${state}`;
}

/** The CloudEvent of a change, with its `type` and `id` alongside the JSON that goes onto the stream. */
export function buildEvent(e: EventInput): { type: EventType; json: string; id: string } {
  const id = eventId(e.oid_partner, e.order.no_order, e.version, e.to);
  const type = eventTypeFor(e.to);
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: 'llrecon',
    type,
    subject: e.order.no_order,
    time: new Date(e.at).toISOString(),
    datacontenttype: 'application/json',
    data: {
      no_order: e.order.no_order,
      oid_partner: e.oid_partner,
      oid_paybill: e.order.oid_paybill ?? null,
      dt_order: e.order.dt_order,
      money_order: e.order.money_order ?? null,
      ret_code: e.ret_code ?? null,
      ret_msg: e.ret_msg ?? null,
      state: e.to,
      previous_state: e.from,
      via: e.via,
    },
  };
  return { type, json: JSON.stringify(event), id };
}
