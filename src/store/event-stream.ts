// The public event stream `<base>:events`: reading it, following it, and trimming it by age (never by count).
import type { Cluster, Redis } from 'ioredis';
import type { CloudEvent } from './cloud-event.js';
import type { Keyspace } from './keyspace.js';

/** One stream entry, parsed. */
export interface StreamEvent {
  /** The entry's stream id (`<ms>-<seq>`). */
  streamId: string;
  /** The `type` field (the CloudEvent's type). */
  type: string;
  /** The `event` field, parsed. */
  event: CloudEvent;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * The `type` and `event` (JSON text, unparsed) of a stream entry's flat field list `[name, value, …]`: THE reading
 * of an entry, for the readers here and the webhook sink. `type` is '' and `event` null when the field is absent.
 */
export function entryFields(fields: readonly string[]): { type: string; event: string | null } {
  let type = '';
  let event: string | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1] as string;
    else if (fields[i] === 'event') event = fields[i + 1] as string;
  }
  return { type, event };
}

function parseEntry([streamId, fields]: [string, string[]]): StreamEvent {
  const { type, event } = entryFields(fields);
  return { streamId, type, event: JSON.parse(event ?? 'null') as CloudEvent };
}

function entriesOf(reply: XReadReply): Array<[string, string[]]> {
  return reply?.[0]?.[1] ?? [];
}

/**
 * Drop the events older than `maxAgeMs` before `nowMs` (XTRIM MINID: stream ids start with the time the event
 * was added). @returns how many were dropped
 */
export async function trimEventsOlderThan(redis: Redis | Cluster, ks: Keyspace, maxAgeMs: number, nowMs: number): Promise<number> {
  const minId = Math.max(0, Math.floor(nowMs - maxAgeMs));
  return redis.xtrim(ks.events, 'MINID', `${minId}-0`);
}

/** Up to `count` events after stream id `fromId` (`0`: from the beginning), oldest first. */
export async function readEvents(redis: Redis | Cluster, ks: Keyspace, fromId = '0', count = 100): Promise<StreamEvent[]> {
  const reply = (await redis.xread('COUNT', count, 'STREAMS', ks.events, fromId)) as XReadReply;
  return entriesOf(reply).map(parseEntry);
}

/**
 * Call `onEvent` for each event after `fromId` (`$`: only those added from now on), as they arrive, until
 * `signal` aborts. Blocks on XREAD over its own duplicate of `redis` (closed on return), so `redis` stays free.
 */
export async function followEvents(
  redis: Redis | Cluster,
  ks: Keyspace,
  fromId: string,
  onEvent: (e: StreamEvent) => unknown,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const conn = redis.duplicate();
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });
  let last = fromId;
  try {
    while (!signal.aborted) {
      let reply: XReadReply;
      try {
        reply = (await conn.xread('COUNT', 100, 'BLOCK', 0, 'STREAMS', ks.events, last)) as XReadReply;
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      for (const entry of entriesOf(reply)) {
        last = entry[0];
        await onEvent(parseEntry(entry));
        if (signal.aborted) return;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
