// An order's history (oldest first, kept) and timeline (newest first, capped): what the store writes there
// besides changes of state (queries, callbacks, operators' actions), and reading both back.
import type { StoreConn } from './keyspace.js';
import { HASH_FIELD as F, TRACKED_FIELD, type HistoryEntry, type TimelineEntry } from './order-record.js';
import { runAddAction } from './scripts/add-action.js';
import { runAppendTimeline } from './scripts/append-timeline.js';
import { runNoteCallback } from './scripts/note-callback.js';
import { runNotePoll } from './scripts/note-poll.js';
import { orEmpty, type ScriptArg } from './scripts/script.js';

/** A query that changed no state, for notePoll(). */
export interface PollNote {
  at: number;
  expectedVersion: number;
  /** The answer's code (null: no usable answer); kept as last_seen_code, never as the record's ret_code. */
  ret_code: string | null;
  /** What the answer meant (decide()'s outcome), shown in the timeline. */
  outcome: string;
  /** Why, when the outcome needs one (an untrusted answer's reason, the state a stale answer reported …). */
  reason?: string;
  /**
   * The order's oid_paybill after this answer: absent to leave it, a string for LianLian's own (it replaces one
   * only the merchant gave), null to drop the merchant's (LianLian said it is not the order's: 9092).
   */
  paybill?: string | null;
  nextPollAt: number | null;
  step: number;
  notFoundSince: number | null;
  /** How long the query took, for the timeline. */
  ms?: number;
}

/** An operator's action on an order. */
export interface ActionInput {
  at: number;
  actor: string;
  reason: string;
  action: 'requery' | (string & {});
}

/** A checked callback's verdict, for noteCallback(). */
export interface CallbackNote {
  /** The callback's notify job id (a hash of its body). */
  id: string;
  noOrder: string | null;
  entry: Extract<TimelineEntry, { kind: 'callback' }>;
  kept: { logKey: string; logCap: number; json: string } | null;
  markerMs: number;
  /** In the order's own rejected-callbacks list instead of its timeline (keyspace: orderRejectedCallbacks). */
  apart?: boolean;
}

/** The signature under which identical consecutive query answers collapse (see scripts/timeline-push.ts). */
const querySig = (retCode: string | null, outcome: string, reason: string | undefined): string =>
  `q|${retCode ?? ''}|${outcome}${reason === undefined ? '' : `|${reason}`}`;

/** A timeline entry as stored: keys in a fixed order, absent ones left out. */
function timelineJson(e: TimelineEntry): { json: string; sig: string } {
  switch (e.kind) {
    case 'query':
      return {
        json: JSON.stringify({ at: e.at, kind: e.kind, ret_code: e.ret_code, outcome: e.outcome, reason: e.reason, ms: e.ms }),
        sig: querySig(e.ret_code, e.outcome, e.reason),
      };
    case 'callback':
      return { json: JSON.stringify({ at: e.at, kind: e.kind, verdict: e.verdict, reason: e.reason }), sig: '' };
    case 'action':
      return { json: JSON.stringify({ at: e.at, kind: e.kind, actor: e.actor, reason: e.reason, action: e.action }), sig: '' };
  }
}

export async function notePoll({ redis, ks }: StoreConn, noOrder: string, p: PollNote): Promise<boolean> {
  const { json, sig } = timelineJson({ at: p.at, kind: 'query', ret_code: p.ret_code, outcome: p.outcome, reason: p.reason, ms: p.ms });
  const fields: ScriptArg[] = [F.step, p.step, F.next_poll_at, orEmpty(p.nextPollAt), F.not_found_since, orEmpty(p.notFoundSince)];
  if (p.ret_code !== null) fields.push(F.last_seen_code, p.ret_code);
  // (the version compare-and-set makes this safe: the paybill was judged against the record at that version)
  if (p.paybill !== undefined) fields.push(F.oid_paybill, orEmpty(p.paybill), F.paybill_from_lianlian, p.paybill === null ? '' : '1');
  return runNotePoll(redis, ks, { noOrder, expectedVersion: p.expectedVersion, entry: json, sig, fields });
}

export async function appendTimeline({ redis, ks }: StoreConn, noOrder: string, entry: TimelineEntry): Promise<boolean> {
  const { json, sig } = timelineJson(entry);
  return runAppendTimeline(redis, ks, noOrder, json, sig);
}

export async function noteCallback({ redis, ks }: StoreConn, n: CallbackNote): Promise<boolean> {
  const entry = n.noOrder === null ? '' : timelineJson(n.entry).json;
  const listKey = n.apart && n.noOrder !== null ? ks.orderRejectedCallbacks(n.noOrder) : undefined;
  return runNoteCallback(redis, ks, {
    id: n.id,
    noOrder: n.noOrder,
    entry,
    kept: n.kept,
    markerMs: n.markerMs,
    ...(listKey ? { listKey } : {}),
  });
}

export async function addAction({ redis, ks }: StoreConn, noOrder: string, a: ActionInput): Promise<boolean> {
  const entry: HistoryEntry = { at: a.at, kind: 'action', actor: a.actor, reason: a.reason, action: a.action };
  return runAddAction(redis, ks, noOrder, JSON.stringify(entry));
}

export async function readTimeline({ redis, ks }: StoreConn, noOrder: string, limit: number): Promise<TimelineEntry[]> {
  if (limit <= 0) return [];
  const rows = await redis.lrange(ks.timeline(noOrder), 0, limit - 1);
  return rows.map((r) => JSON.parse(r) as TimelineEntry);
}

export async function readHistory({ redis, ks }: StoreConn, noOrder: string): Promise<HistoryEntry[]> {
  const [head, rows] = await Promise.all([
    redis.hmget(ks.order(noOrder), F.tracked_at, TRACKED_FIELD.actor, TRACKED_FIELD.source),
    redis.lrange(ks.history(noOrder), 0, -1),
  ]);
  const [at, actor, source] = head;
  if (at === null || at === undefined) return [];
  const tracked: HistoryEntry = {
    at: Number(at),
    kind: 'tracked',
    state: 'pending',
    actor: actor ?? undefined,
    source: source ?? undefined,
  };
  return [tracked, ...rows.map((r) => JSON.parse(r) as HistoryEntry)];
}
