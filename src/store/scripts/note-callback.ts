// A checked callback's verdict, written once however often its job runs (a worker killed after writing it and
// the job run again, say): the order's timeline entry and the operators' log entry, behind one marker.
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keyspace.js';
import { callScript, type RedisScript } from './script.js';
import { TIMELINE_PUSH_LUA } from './timeline-push.js';

/**
 * KEYS: 1 the callback's marker (string), 2 order hash, 3 timeline list, 4 the log list (rejected / untracked).
 * ARGV: 1 the marker's lifetime (ms), 2 the timeline entry (JSON, '' for none; added only when the order is
 * tracked), 3 the log entry (JSON, '' for none), 4 the log's cap.
 * Returns 1 when written, 0 when the marker was there already (nothing written).
 */
export const NOTE_CALLBACK: RedisScript = {
  name: 'llreconNoteCallback',
  numberOfKeys: 4,
  lua: `${TIMELINE_PUSH_LUA}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then timeline_push(KEYS[3], ARGV[2], '') end
if ARGV[3] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[3])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[4]) - 1)
end
return 1
`,
};

export interface NoteCallbackArgs {
  /** The callback's notify job id. */
  id: string;
  /** The order it is about, null when none is tracked (then no timeline entry). */
  noOrder: string | null;
  /** The timeline entry (JSON); ignored without an order. */
  entry: string;
  /** The operators' log entry and its list (a keyspace key), or null. */
  kept: { logKey: string; logCap: number; json: string } | null;
  markerMs: number;
  /** The list the order's entry goes to instead of its timeline (rejected callbacks are kept apart). */
  listKey?: string;
}

/** NOTE_CALLBACK: false when this callback's verdict was written before. */
export async function runNoteCallback(redis: Redis | Cluster, ks: Keyspace, a: NoteCallbackArgs): Promise<boolean> {
  const marker = ks.callbackNoted(a.id);
  // without an order, the order and timeline keys are stand-ins the script never touches (its entry is '');
  // so is the log key without a log entry
  const [order, timeline] = a.noOrder === null ? [marker, marker] : [ks.order(a.noOrder), a.listKey ?? ks.timeline(a.noOrder)];
  const keys = [marker, order, timeline, a.kept?.logKey ?? marker];
  const args = [a.markerMs, a.noOrder === null ? '' : a.entry, a.kept?.json ?? '', a.kept?.logCap ?? 0];
  return (await callScript(redis, NOTE_CALLBACK, keys, args)) === 1;
}
