// One webhook delivery job per event: its data, its BullMQ id (derived from the event id, so adding the same
// event twice makes no second job), and reading it off an event stream entry.
import { encodeOrderToken } from '../queues/names.js';
import { entryFields } from '../store/event-stream.js';

/** The data of a `webhook` job. */
export interface WebhookJobData {
  /** The CloudEvent id `<oid_partner>:<no_order>:<version>`: `webhook-id`, and the key of the history. */
  id: string;
  /** The order (the event's subject). */
  no: string;
  /** The order's version after the change: events of one order are delivered in this order. */
  v: number;
  /** The event's stream id. */
  sid: string;
  /** The event JSON exactly as on the stream: the body sent and signed. */
  body: string;
}

/** The job id of an event's delivery (BullMQ ids must not contain ':'). */
export function webhookJobId(eventId: string): string {
  return `w-${encodeOrderToken(eventId)}`;
}

/** The id of the event before `eventId` of the same order (version − 1), or null for the first one. */
export function previousEventId(eventId: string, version: number): string | null {
  return version > 1 ? `${eventId.slice(0, eventId.lastIndexOf(':'))}:${version - 1}` : null;
}

/** The id of the event after `eventId` of the same order. */
export function nextEventId(eventId: string, version: number): string {
  return `${eventId.slice(0, eventId.lastIndexOf(':'))}:${version + 1}`;
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
  const version = Number(id.slice(id.lastIndexOf(':') + 1));
  if (!Number.isSafeInteger(version) || version < 1) return null;
  return { name: type || 'event', data: { id, no: subject, v: version, sid: streamId, body } };
}

/** Orders stream ids (`<ms>-<seq>`) as numbers: < 0 when a is older than b. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
