// Reading the event stream through a Redis consumer group, at least once: an entry is acknowledged (XACK) only
// after the handler has finished with it, so that a consumer killed while handling leaves it pending; the group's
// other consumers claim (XAUTOCLAIM) what has been pending longer than `claimIdleMs`, and a consumer restarted
// under the same name first re-reads its own pending entries. An entry may therefore be handled twice (killed
// after handling, before XACK): de-duplicate by the CloudEvent's `id`, which names the change.
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import type { CloudEvent } from '../store/cloud-event.js';
import { entryFields } from '../store/event-stream.js';
import { keyspace } from '../store/keyspace.js';

/** One event as a consumer gets it. */
export interface ConsumedEvent {
  /** The entry's stream id (`<ms>-<seq>`): XACK takes it; the event's own `id` is in `event`. */
  streamId: string;
  /** The `type` field (the CloudEvent's type, e.g. `preauth.authorized`). */
  type: string;
  /** The `event` field, parsed: `event.id` is the id to de-duplicate by. */
  event: CloudEvent;
  /** How it came: `new` (first delivery), `pending` (this consumer's own, unacknowledged), `claimed` (a dead one's). */
  delivery: 'new' | 'pending' | 'claimed';
}

export interface ConsumeEventsOptions {
  /** A connection to llrecon's Redis; it is duplicated for the blocking reads (and left open). */
  redis: Redis | Cluster;
  /** The stream key; default from `prefix` and `cluster` as llrecon names it (`llrecon:events`). */
  stream?: string;
  /** REDIS_PREFIX of the daemon (default `llrecon`). */
  prefix?: string;
  /** REDIS_CLUSTER of the daemon: the stream is then `{prefix}:events`. */
  cluster?: boolean;
  /** The consumer group: created at the stream's beginning if missing (every retained event is delivered). */
  group: string;
  /** This consumer's name in the group; default the host name (stable across restarts of one machine or pod). */
  consumer?: string;
  /** Called once per delivery; the entry is acknowledged when it resolves. A throw stops consumeEvents with it. */
  handler: (event: ConsumedEvent) => unknown;
  /** Stops consuming (after the handler in progress, if any, has finished and been acknowledged). */
  signal?: AbortSignal;
  /** How long an entry stays pending with another consumer before this one claims it (default 60 s). */
  claimIdleMs?: number;
  /** Entries per read (default 100). */
  count?: number;
  /** How long one blocking read waits before pending entries are looked at again (default 5 s, at most claimIdleMs). */
  blockMs?: number;
  /** Where a new group starts: `0` every retained event (default), `$` only events added from now on. */
  startId?: '0' | '$';
}

type Entry = [string, string[] | null];
type GroupReply = Array<[string, Entry[]]> | null;

/** Creates the group unless it exists (MKSTREAM: the stream may not exist yet on a fresh Redis). */
export async function ensureGroup(redis: Redis | Cluster, stream: string, group: string, startId: '0' | '$' = '0'): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    return true;
  } catch (err) {
    if ((err as Error).message.startsWith('BUSYGROUP')) return false;
    throw err;
  }
}

/** The event of an entry, or null when it cannot be one (deleted under us, or not llrecon's shape). */
function parse(entry: Entry, delivery: ConsumedEvent['delivery']): ConsumedEvent | null {
  const [streamId, fields] = entry;
  if (!fields) return null;
  const { type, event } = entryFields(fields);
  if (event === null) return null;
  try {
    return { streamId, type, event: JSON.parse(event) as CloudEvent, delivery };
  } catch {
    return null;
  }
}

/**
 * Consumes llrecon's events in a consumer group until `signal` aborts (resolves) or the handler throws (rejects;
 * the entry stays pending, to be re-read on restart or claimed by another consumer). See the file head.
 */
export async function consumeEvents(opts: ConsumeEventsOptions): Promise<void> {
  const stream = opts.stream ?? keyspace(opts.prefix ?? 'llrecon', opts.cluster ?? false).events;
  const consumer = opts.consumer ?? hostname();
  const claimIdleMs = opts.claimIdleMs ?? 60_000;
  const count = opts.count ?? 100;
  const blockMs = Math.max(1, Math.min(opts.blockMs ?? 5_000, claimIdleMs));
  const { signal, group } = opts;
  if (signal?.aborted) return;
  await ensureGroup(opts.redis, stream, group, opts.startId ?? '0');
  const conn = opts.redis.duplicate();
  conn.on('error', () => undefined); // reconnects by itself; a read that fails while away is retried below
  // an abort ends a blocking read at once, but never a handler's acknowledgement
  let blocked = false;
  const stop = () => {
    if (blocked) conn.disconnect();
  };
  signal?.addEventListener('abort', stop, { once: true });

  const handle = async (entries: Entry[], delivery: ConsumedEvent['delivery']): Promise<void> => {
    for (const entry of entries) {
      if (signal?.aborted) return;
      const event = parse(entry, delivery);
      if (event) await opts.handler(event);
      // acknowledged only once handled (or when there is nothing to handle: an entry trimmed or malformed)
      await conn.xack(stream, group, entry[0]);
    }
  };
  const readGroup = async (from: string, block: boolean): Promise<Entry[]> => {
    const args: Array<string | number> = ['GROUP', group, consumer, 'COUNT', count];
    if (block) args.push('BLOCK', blockMs);
    blocked = block;
    try {
      const reply = (await conn.call('XREADGROUP', ...args, 'STREAMS', stream, from)) as GroupReply;
      return reply?.[0]?.[1] ?? [];
    } finally {
      blocked = false;
    }
  };

  try {
    // this consumer's own pending entries first: it may be the same consumer restarted after a crash
    for (let own = await readGroup('0', false); own.length > 0 && !signal?.aborted; own = await readGroup(own.at(-1)?.[0] as string, false))
      await handle(own, 'pending');
    let lastClaim = 0;
    while (!signal?.aborted) {
      if (Date.now() - lastClaim >= Math.min(claimIdleMs, 5_000)) {
        lastClaim = Date.now();
        let cursor = '0-0';
        do {
          const [next, claimed] = (await conn.call('XAUTOCLAIM', stream, group, consumer, claimIdleMs, cursor, 'COUNT', count)) as [
            string,
            Entry[],
          ];
          cursor = next;
          await handle(claimed, 'claimed');
        } while (cursor !== '0-0' && !signal?.aborted);
      }
      let fresh: Entry[];
      try {
        fresh = await readGroup('>', true);
      } catch (err) {
        if (signal?.aborted) return;
        // the group went away (the stream was deleted): make it again and go on; anything else is the caller's
        if (!(err as Error).message.startsWith('NOGROUP')) throw err;
        await ensureGroup(opts.redis, stream, group, opts.startId ?? '0');
        continue;
      }
      await handle(fresh, 'new');
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
