// The Redis side of an order: its record, history, timeline and indexes, and the one writer of its state
// (transition(), which emits the order's event in the same atomic step). Every multi-key write is one Lua script.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { LlreconError } from '../errors.js';
import type { OrderToTrack } from '../lianlian/fields.js';
import { ORDER_STATES, isFinalState, type OrderState, type Via } from '../reconcile/states.js';
import { buildEvent } from './cloud-event.js';
import type { Keyspace } from './keyspace.js';
import { ADD_ACTION_LUA } from './lua/add-action.js';
import { APPEND_TIMELINE_LUA } from './lua/append-timeline.js';
import { NOTE_CALLBACK_LUA } from './lua/note-callback.js';
import { NOTE_POLL_LUA } from './lua/note-poll.js';
import { TRACK_LUA } from './lua/track.js';
import { TRANSITION_LUA } from './lua/transition.js';
import { HASH_FIELD as F, fromHash, toHash, type HistoryEntry, type OrderRecord, type TimelineEntry } from './order-record.js';

/** Who started tracking, kept in the `tracked` history entry. */
/** Hash fields beside the record: who started tracking the order, and through what (api, cli, import …). */
const TRACKED_BY = 'by';
const TRACKED_SRC = 'src';

export interface TrackMeta {
  actor?: string;
  source?: string;
}

/** One order of a trackMany() batch, with its own horizon and hold deadline. */
export interface TrackItem {
  order: OrderToTrack;
  horizonAt: number;
  deadline: number | null;
  /** When its first query is scheduled (shown as next_poll_at until the first answer). */
  nextPollAt?: number | null;
}

/** A change of state asked of transition(). */
export interface TransitionInput {
  no_order: string;
  /** The version the caller read and decided on: the change applies only if the order is still there. */
  expectedVersion: number;
  to: OrderState;
  ret_code: string | null;
  ret_msg: string | null;
  via: Via;
  at: number;
  /** From the answer: kept only if the order had none. */
  oid_paybill?: string | null;
  money_order?: string | null;
  nextPollAt: number | null;
  step: number;
}

export type TransitionResult =
  { applied: true; version: number; eventId: string; streamId: string } | { applied: false; current: OrderRecord | null };

/** A query that changed no state, for notePoll(). */
export interface PollNote {
  at: number;
  expectedVersion: number;
  /** The answer's code (null: no usable answer); kept as last_seen_code, never as the record's ret_code. */
  ret_code: string | null;
  /** What the answer meant (decide()'s outcome), shown in the timeline. */
  outcome: string;
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

export interface ListQuery {
  state?: OrderState;
  /** Only orders tracked before this epoch ms. */
  olderThan?: number;
  /** Only orders whose no_order starts with this. */
  search?: string;
  limit: number;
  offset: number;
}

type Script = (...args: Array<string | number>) => Promise<unknown>;

const CMD = {
  track: 'llreconTrack',
  transition: 'llreconTransition',
  notePoll: 'llreconNotePoll',
  appendTimeline: 'llreconAppendTimeline',
  noteCallback: 'llreconNoteCallback',
  addAction: 'llreconAddAction',
} as const;

/** A script defined on a connection or a pipeline (ioredis adds defined commands to both). */
function script(target: Redis | Cluster | ChainableCommander, name: string): Script {
  const fn = (target as unknown as Record<string, Script>)[name];
  if (typeof fn !== 'function') throw new LlreconError('LLRECON_INTERNAL', `Redis script ${name} is not defined`);
  return fn.bind(target);
}

/** `''` stands for null in script arguments (null fields are absent from the hash). */
const arg = (v: string | number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** The signature under which identical consecutive query answers collapse (see lua/timeline-push.ts). */
const querySig = (retCode: string | null, outcome: string): string => `q|${retCode ?? ''}|${outcome}`;

/** A timeline entry as stored: keys in a fixed order, absent ones left out. */
function timelineJson(e: TimelineEntry): { json: string; sig: string } {
  switch (e.kind) {
    case 'query':
      return {
        json: JSON.stringify({ at: e.at, kind: e.kind, ret_code: e.ret_code, outcome: e.outcome, ms: e.ms }),
        sig: querySig(e.ret_code, e.outcome),
      };
    case 'callback':
      return { json: JSON.stringify({ at: e.at, kind: e.kind, verdict: e.verdict, reason: e.reason }), sig: '' };
    case 'action':
      return { json: JSON.stringify({ at: e.at, kind: e.kind, actor: e.actor, reason: e.reason, action: e.action }), sig: '' };
  }
}

/** `*`, `?`, `[`, `]` and `\` taken literally in a SCAN MATCH pattern. */
const globLiteral = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

export class OrderStore {
  /**
   * @param redis a connection shared with other non-blocking users (the store defines its scripts on it)
   * @param oidPartner our merchant id, recorded on tracked orders and in event ids
   */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly ks: Keyspace,
    private readonly oidPartner: string,
  ) {
    redis.defineCommand(CMD.track, { numberOfKeys: 3, lua: TRACK_LUA });
    redis.defineCommand(CMD.transition, { numberOfKeys: 5, lua: TRANSITION_LUA });
    redis.defineCommand(CMD.notePoll, { numberOfKeys: 2, lua: NOTE_POLL_LUA });
    redis.defineCommand(CMD.appendTimeline, { numberOfKeys: 2, lua: APPEND_TIMELINE_LUA });
    redis.defineCommand(CMD.noteCallback, { numberOfKeys: 4, lua: NOTE_CALLBACK_LUA });
    redis.defineCommand(CMD.addAction, { numberOfKeys: 3, lua: ADD_ACTION_LUA });
  }

  private trackArgs(
    o: OrderToTrack,
    at: number,
    horizonAt: number,
    deadline: number | null,
    meta: TrackMeta,
    nextPollAt: number | null = null,
  ): Array<string | number> {
    const record: OrderRecord = {
      ...o,
      oid_partner: this.oidPartner,
      state: 'pending',
      ret_code: null,
      ret_msg: null,
      last_seen_code: null,
      version: 0,
      polls: 0,
      step: 0,
      next_poll_at: nextPollAt,
      tracked_at: at,
      changed_at: at,
      horizon_at: horizonAt,
      deadline,
      not_found_since: null,
      final: false,
    };
    const ks = this.ks;
    const who = [...(meta.actor ? [TRACKED_BY, meta.actor] : []), ...(meta.source ? [TRACKED_SRC, meta.source] : [])];
    return [ks.order(o.no_order), ks.stateIndex('pending'), ks.allOrders, o.no_order, at, ...who, ...Object.entries(toHash(record)).flat()];
  }

  /**
   * Start tracking an order: state `pending`, version 0, indexed, with a `tracked` history entry, in one step.
   * @returns false (and nothing changes) when the order is already tracked
   */
  async track(o: OrderToTrack, at: number, horizonAt: number, deadline: number | null, meta: TrackMeta = {}): Promise<boolean> {
    return (await script(this.redis, CMD.track)(...this.trackArgs(o, at, horizonAt, deadline, meta))) === 1;
  }

  /** track() for a batch in one round trip; one boolean per item, in order (false: a duplicate). */
  async trackMany(items: readonly TrackItem[], at: number, meta: TrackMeta = {}): Promise<boolean[]> {
    if (items.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const it of items)
      void script(pipe, CMD.track)(...this.trackArgs(it.order, at, it.horizonAt, it.deadline, meta, it.nextPollAt ?? null));
    const res = (await pipe.exec()) ?? [];
    return items.map((_, i) => {
      const [err, value] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      return value === 1;
    });
  }

  /** The order, or null when it is not tracked. */
  async get(noOrder: string): Promise<OrderRecord | null> {
    return fromHash(await this.redis.hgetall(this.ks.order(noOrder)));
  }

  /** The orders that exist, in the order asked (unknown ones are left out). */
  async getMany(nos: readonly string[]): Promise<OrderRecord[]> {
    if (nos.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const no of nos) pipe.hgetall(this.ks.order(no));
    const res = (await pipe.exec()) ?? [];
    const out: OrderRecord[] = [];
    for (const [err, h] of res) {
      if (err) throw err;
      const o = fromHash(h as Record<string, string>);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * THE only writer of an order's state. Applies the change if the order is still at `expectedVersion`, and
   * then — atomically — bumps the version, moves the order between state indexes, appends a `change` history
   * entry and XADDs the CloudEvent (id `<oid_partner>:<no_order>:<expectedVersion + 1>`) to the stream. Calling
   * again with the same expectedVersion is a no-op: each change is written, and emitted, exactly once.
   * @returns applied with the new version and the event's ids, or not applied with the order as it is now
   */
  async transition(t: TransitionInput): Promise<TransitionResult> {
    const current = await this.get(t.no_order);
    if (!current || current.version !== t.expectedVersion) return { applied: false, current };
    if (t.to === current.state) throw new LlreconError('LLRECON_INTERNAL', `transition of ${t.no_order} to the state it is in (${t.to})`);
    const version = t.expectedVersion + 1;
    const after = {
      no_order: current.no_order,
      dt_order: current.dt_order,
      oid_paybill: current.oid_paybill ?? t.oid_paybill ?? null,
      money_order: current.money_order ?? t.money_order ?? null,
    };
    const event = buildEvent({
      oid_partner: this.oidPartner,
      order: after,
      to: t.to,
      from: current.state,
      ret_code: t.ret_code,
      ret_msg: t.ret_msg,
      via: t.via,
      at: t.at,
      version,
    });
    const entry: HistoryEntry = {
      at: t.at,
      kind: 'change',
      from: current.state,
      to: t.to,
      ret_code: t.ret_code,
      ret_msg: t.ret_msg,
      via: t.via,
    };
    const fields: Array<string | number> = [
      F.version,
      version,
      F.state,
      t.to,
      F.ret_code,
      arg(t.ret_code),
      F.ret_msg,
      arg(t.ret_msg),
      F.changed_at,
      t.at,
      F.final,
      isFinalState(t.to) ? '1' : '0',
      F.step,
      t.step,
      F.next_poll_at,
      arg(t.nextPollAt),
      // a state code means LianLian knows the order
      F.not_found_since,
      '',
    ];
    if (t.ret_code !== null) fields.push(F.last_seen_code, t.ret_code);
    const ks = this.ks;
    const streamId = await script(this.redis, CMD.transition)(
      ks.order(t.no_order),
      ks.history(t.no_order),
      ks.stateIndex(current.state),
      ks.stateIndex(t.to),
      ks.events,
      t.expectedVersion,
      current.state,
      t.no_order,
      JSON.stringify(entry),
      event.type,
      event.json,
      arg(t.oid_paybill),
      arg(t.money_order),
      ...fields,
    );
    if (typeof streamId === 'string') return { applied: true, version, eventId: event.id, streamId };
    return { applied: false, current: await this.get(t.no_order) };
  }

  /**
   * Record a query that changed no state: polls + 1, the schedule's step and next poll, not_found_since, the
   * answer's code as last_seen_code, and a timeline entry (a repeat of the previous answer replaces it).
   * @returns false (nothing written) when the order is gone or its version moved
   */
  async notePoll(noOrder: string, p: PollNote): Promise<boolean> {
    const { json, sig } = timelineJson({ at: p.at, kind: 'query', ret_code: p.ret_code, outcome: p.outcome, ms: p.ms });
    const fields: Array<string | number> = [F.step, p.step, F.next_poll_at, arg(p.nextPollAt), F.not_found_since, arg(p.notFoundSince)];
    if (p.ret_code !== null) fields.push(F.last_seen_code, p.ret_code);
    const res = await script(this.redis, CMD.notePoll)(
      this.ks.order(noOrder),
      this.ks.timeline(noOrder),
      p.expectedVersion,
      json,
      sig,
      ...fields,
    );
    return res === 1;
  }

  /**
   * Add an entry to the order's timeline (newest first, the latest 100; a query repeating the previous answer
   * replaces it). @returns false for an unknown order
   */
  async appendTimeline(noOrder: string, entry: TimelineEntry): Promise<boolean> {
    const { json, sig } = timelineJson(entry);
    return (await script(this.redis, CMD.appendTimeline)(this.ks.order(noOrder), this.ks.timeline(noOrder), json, sig)) === 1;
  }

  /**
   * Writes the verdict on one callback once, however often its job runs: a `callback` entry on the order's
   * timeline (when `noOrder` is tracked) and, for a callback not applied, `kept` on the operators' log
   * (`logKey`, capped at `logCap`). The marker lives `markerMs`.
   * @param id the callback's notify job id (a hash of its body)
   * @returns false when this callback's verdict was written before (nothing written now)
   */
  async noteCallback(n: {
    id: string;
    noOrder: string | null;
    entry: Extract<TimelineEntry, { kind: 'callback' }>;
    kept: { logKey: string; logCap: number; json: string } | null;
    markerMs: number;
  }): Promise<boolean> {
    const marker = this.ks.callbackNoted(n.id);
    // without an order, the order and timeline keys are stand-ins the script never touches (its entry is '')
    const keys = n.noOrder === null ? [marker, marker] : [this.ks.order(n.noOrder), this.ks.timeline(n.noOrder)];
    const entry = n.noOrder === null ? '' : timelineJson(n.entry).json;
    const written = await script(this.redis, CMD.noteCallback)(
      marker,
      ...keys,
      n.kept?.logKey ?? marker,
      n.markerMs,
      entry,
      n.kept?.json ?? '',
      n.kept?.logCap ?? 0,
    );
    return written === 1;
  }

  /** The newest `limit` timeline entries, newest first. */
  async timeline(noOrder: string, limit: number): Promise<TimelineEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.redis.lrange(this.ks.timeline(noOrder), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as TimelineEntry);
  }

  /** The order's history, oldest first: tracked, each change of state, each operator action. */
  async history(noOrder: string): Promise<HistoryEntry[]> {
    const [head, rows] = await Promise.all([
      this.redis.hmget(this.ks.order(noOrder), F.tracked_at, TRACKED_BY, TRACKED_SRC),
      this.redis.lrange(this.ks.history(noOrder), 0, -1),
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

  /** Record an operator's action in the history and the timeline. @returns false for an unknown order */
  async addAction(noOrder: string, a: ActionInput): Promise<boolean> {
    const entry: HistoryEntry = { at: a.at, kind: 'action', actor: a.actor, reason: a.reason, action: a.action };
    const ks = this.ks;
    return (
      (await script(this.redis, CMD.addAction)(ks.order(noOrder), ks.history(noOrder), ks.timeline(noOrder), JSON.stringify(entry))) === 1
    );
  }

  /**
   * Orders newest-tracked first, filtered by state, age (tracked before `olderThan`) and a no_order prefix,
   * one page at a time, with the total that match. A prefix search scans the index (fine for operators).
   */
  async list(q: ListQuery): Promise<{ total: number; orders: OrderRecord[] }> {
    const index = q.state === undefined ? this.ks.allOrders : this.ks.stateIndex(q.state);
    const max = q.olderThan === undefined ? '+inf' : `(${q.olderThan}`;
    if (q.limit <= 0) return { total: await this.redis.zcount(index, '-inf', max), orders: [] };
    if (!q.search) {
      const [total, nos] = await Promise.all([
        this.redis.zcount(index, '-inf', max),
        this.redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', q.offset, q.limit),
      ]);
      return { total, orders: await this.getMany(nos) };
    }
    const matches: Array<{ no: string; score: number }> = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(index, cursor, 'MATCH', `${globLiteral(q.search)}*`, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const score = Number(flat[i + 1]);
        if (q.olderThan === undefined || score < q.olderThan) matches.push({ no: flat[i] as string, score });
      }
    } while (cursor !== '0');
    // ZSCAN may return an element twice: count each once
    const unique = [...new Map(matches.map((m) => [m.no, m])).values()];
    unique.sort((a, b) => b.score - a.score || (a.no < b.no ? 1 : a.no > b.no ? -1 : 0));
    const page = unique.slice(q.offset, q.offset + q.limit).map((m) => m.no);
    return { total: unique.length, orders: await this.getMany(page) };
  }

  /** How many orders are in each state. */
  async counts(): Promise<Record<OrderState, number>> {
    const pipe = this.redis.pipeline();
    for (const s of ORDER_STATES) pipe.zcard(this.ks.stateIndex(s));
    const res = (await pipe.exec()) ?? [];
    const out = {} as Record<OrderState, number>;
    for (const [i, s] of ORDER_STATES.entries()) {
      const [err, n] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      out[s] = Number(n);
    }
    return out;
  }

  /** Stop querying for merchant `oid` for `ms` (LianLian said our configuration is wrong). */
  async pauseMerchant(oid: string, ms: number, reason: string, at: number = Date.now()): Promise<void> {
    await this.redis.set(this.ks.merchantPause(oid), `${at + ms}|${reason}`, 'PX', Math.max(1, Math.ceil(ms)));
  }

  /** Until when querying for `oid` is paused (epoch ms), or null when it is not. */
  async merchantPausedUntil(oid: string): Promise<number | null> {
    const v = await this.redis.get(this.ks.merchantPause(oid));
    if (v === null) return null;
    const until = Number(v.slice(0, v.indexOf('|')));
    return Number.isFinite(until) ? until : null;
  }
}
