// One webhook delivery job per event: its data, its BullMQ id (the order and the change's number, so adding the
// same event twice makes no second job, and an order's neighbouring changes are found by number whatever state
// they moved to), and reading it off an event stream entry.
import { encodeOrderToken } from '../queues/names.js';
import { isOrderState } from '../reconcile/states.js';
import { entryFields } from '../store/event-stream.js';

/** The data of a `webhook` job. */
export interface WebhookJobData {
  /**
   * The CloudEvent id `<oid_partner>:<no_order>:<version>:<state>` (`<oid_partner>:<no_order>:<version>` for
   * events written before the state was in it): `webhook-id`, and the key of the history.
   */
  id: string;
  /** The order (the event's subject). */
  no: string;
  /**
   * The order's version after the change: events of one order are delivered in this order. 0 for an event outside
   * any order's sequence (`settlement.mismatch`, `settlement.processed`), delivered with no ordering gate.
   */
  v: number;
  /** The event's stream id. */
  sid: string;
  /** The event JSON exactly as on the stream: the body sent and signed. */
  body: string;
}

/** Event ids of settlement events (src/settlement/events.ts): not an order's change, so no version and no gate. */
const UNORDERED_PREFIX = 'settlement:';

/** Whether the delivery of `d` waits for its order's previous event (false for settlement events). */
export function isOrdered(d: Pick<WebhookJobData, 'v'>): boolean {
  return d.v > 0;
}

/** `<oid_partner>:<no_order>` of an event id (its head, before the version). */
function orderPart(id: string, version: number): string {
  const tail = `:${version}`;
  const at = id.endsWith(tail) ? id.length - tail.length : id.lastIndexOf(`${tail}:`);
  return at < 0 ? id : id.slice(0, at);
}

/** The version an event id names: the part before its state (`…:<version>:<state>`), else its last part. */
function versionOf(id: string): number {
  const parts = id.split(':');
  return Number(isOrderState(parts.at(-1)) ? parts.at(-2) : parts.at(-1));
}

/**
 * The job id of the delivery of an event (its id, or its job's data), or of the same order's change number
 * `version`: `w-<oid_partner>:<no_order>:<version>` encoded (BullMQ ids must not contain ':'). The state is left
 * out, so that the gate finds the order's previous and next change by number alone.
 */
export function webhookJobId(event: string | Pick<WebhookJobData, 'id' | 'v'>, version?: number): string {
  const d = typeof event === 'string' ? { id: event, v: event.startsWith(UNORDERED_PREFIX) ? 0 : versionOf(event) } : event;
  // an unordered event's job is named by its whole id (stable: the same verdict or file has the same id)
  if (d.v === 0) return `w-${encodeOrderToken(d.id)}`;
  return `w-${encodeOrderToken(`${orderPart(d.id, d.v)}:${version ?? d.v}`)}`;
}

/** The job id of the delivery of the order's change before `d` (version − 1), or null for the first one (or none). */
export function previousJobId(d: Pick<WebhookJobData, 'id' | 'v'>): string | null {
  return d.v > 1 ? webhookJobId(d, d.v - 1) : null;
}

/** The job id of the delivery of the order's change after `d`. */
export function nextJobId(d: Pick<WebhookJobData, 'id' | 'v'>): string {
  return webhookJobId(d, d.v + 1);
}

/** A stream entry as a job's name and data, or null when it is not an event we can deliver. */
export function deliveryOf(streamId: string, fields: readonly string[]): { name: string; data: WebhookJobData } | null {
  const { type, event: body } = entryFields(fields);
  if (body === null) return null;
  let event: { id?: unknown; subject?: unknown };
  try {
    event = JSON.parse(body) as typeof event;
  } catch {
    return null;
  }
  const { id, subject } = event ?? {};
  if (typeof id !== 'string' || typeof subject !== 'string') return null;
  if (id.startsWith(UNORDERED_PREFIX)) return { name: type || 'event', data: { id, no: subject, v: 0, sid: streamId, body } };
  const version = versionOf(id);
  if (!Number.isSafeInteger(version) || version < 1) return null;
  return { name: type || 'event', data: { id, no: subject, v: version, sid: streamId, body } };
}

/** Orders stream ids (`<ms>-<seq>`) as numbers: < 0 when a is older than b. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
