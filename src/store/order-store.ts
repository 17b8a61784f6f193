// The Redis side of an order: its record, history, timeline and indexes, and the one writer of its state
// (transition(), which emits the order's event in the same atomic step). Every multi-key write is one Lua script
// (scripts/). Reading (order-reads.ts), the history and timeline (order-timeline.ts) and merchant pauses
// (merchant-pause.ts) live beside this class, which is their one entry point.
import type { Cluster, Redis } from 'ioredis';
import { LlreconError } from '../errors.js';
import type { OrderToTrack } from '../lianlian/fields.js';
import { isFinalState, type OrderState, type Via } from '../reconcile/states.js';
import { buildEvent } from './cloud-event.js';
import type { Keyspace, StoreConn } from './keyspace.js';
import { merchantPausedUntil, pauseMerchant } from './merchant-pause.js';
import { HASH_FIELD as F, TRACKED_FIELD, toHash, type HistoryEntry, type OrderRecord, type TimelineEntry } from './order-record.js';
import { countOrders, getOrder, getOrders, listOrders, type ListQuery } from './order-reads.js';
import {
  addAction,
  appendTimeline,
  noteCallback,
  notePoll,
  readHistory,
  readTimeline,
  type ActionInput,
  type CallbackNote,
  type PollNote,
} from './order-timeline.js';
import { defineScripts } from './scripts/index.js';
import { orEmpty, type ScriptArg, type ScriptTarget } from './scripts/script.js';
import { runTrack } from './scripts/track.js';
import { actionPolicyFields } from './action-keys.js';
import { runTransition } from './scripts/transition.js';

export type { ActionInput, CallbackNote, ListQuery, PollNote };

/** Who started tracking, and through what (api, cli, import …): kept in the `tracked` history entry. */
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
  /**
   * LianLian's own oid_paybill, from an answer bound to the order: it replaces one only the merchant gave, never
   * one LianLian gave before.
   */
  oid_paybill?: string | null;
  /** From the answer: kept only if the order had none. */
  money_order?: string | null;
  nextPollAt: number | null;
  step: number;
}

/**
 * What transition() did. Not applied: the order is gone or moved on (`current`), or — `refused` — the lifecycle
 * forbids the move (to an earlier phase, or out of a final state other than `abandoned`): nothing was written.
 */
export type TransitionResult =
  | { applied: true; version: number; eventId: string; streamId: string }
  | { applied: false; current: OrderRecord | null; refused?: 'regression' | 'final' };

export class OrderStore {
  private readonly conn: StoreConn;

  /**
   * @param redis a connection shared with other non-blocking users (the store defines its scripts on it)
   * @param oidPartner our merchant id, recorded on tracked orders and in event ids
   */
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly ks: Keyspace,
    private readonly oidPartner: string,
  ) {
    defineScripts(redis);
    this.conn = { redis, ks };
  }

  /** Runs the track script for one order on `target` (a connection, or a pipeline for trackMany()). */
  private runTrack(
    target: ScriptTarget,
    o: OrderToTrack,
    at: number,
    horizonAt: number,
    deadline: number | null,
    meta: TrackMeta,
    nextPollAt: number | null = null,
  ): Promise<unknown> {
    const record: OrderRecord = {
      ...o,
      oid_partner: this.oidPartner,
      paybill_from_lianlian: false,
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
    const who = [...(meta.actor ? [TRACKED_FIELD.actor, meta.actor] : []), ...(meta.source ? [TRACKED_FIELD.source, meta.source] : [])];
    return runTrack(target, this.ks, o.no_order, at, [...who, ...actionPolicyFields(o), ...Object.entries(toHash(record)).flat()]);
  }

  /**
   * Start tracking an order: state `pending`, version 0, indexed, with a `tracked` history entry, in one step.
   * @returns false (and nothing changes) when the order is already tracked
   */
  async track(o: OrderToTrack, at: number, horizonAt: number, deadline: number | null, meta: TrackMeta = {}): Promise<boolean> {
    return (await this.runTrack(this.redis, o, at, horizonAt, deadline, meta)) === 1;
  }

  /** track() for a batch in one round trip; one boolean per item, in order (false: a duplicate). */
  async trackMany(items: readonly TrackItem[], at: number, meta: TrackMeta = {}): Promise<boolean[]> {
    if (items.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const it of items) void this.runTrack(pipe, it.order, at, it.horizonAt, it.deadline, meta, it.nextPollAt ?? null);
    const res = (await pipe.exec()) ?? [];
    return items.map((_, i) => {
      const [err, value] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      return value === 1;
    });
  }

  /** The order, or null when it is not tracked. */
  get(noOrder: string): Promise<OrderRecord | null> {
    return getOrder(this.conn, noOrder);
  }

  /** The orders that exist, in the order asked (unknown ones are left out). */
  getMany(nos: readonly string[]): Promise<OrderRecord[]> {
    return getOrders(this.conn, nos);
  }

  /**
   * THE only writer of an order's state. Applies the change if the order is still at `expectedVersion`, and
   * then — atomically — bumps the version, moves the order between state indexes, appends a `change` history
   * entry and XADDs the CloudEvent (id `<oid_partner>:<no_order>:<expectedVersion + 1>:<to>`) to the stream.
   * Calling again with the same expectedVersion is a no-op: each change is written, and emitted, exactly once.
   * A move the lifecycle forbids (reconcile/lifecycle.ts) is refused by the script, whatever the caller says.
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
      oid_paybill: (current.paybill_from_lianlian === true ? current.oid_paybill : (t.oid_paybill ?? current.oid_paybill)) ?? null,
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
    const fields: ScriptArg[] = [
      F.version,
      version,
      F.state,
      t.to,
      F.ret_code,
      orEmpty(t.ret_code),
      F.ret_msg,
      orEmpty(t.ret_msg),
      F.changed_at,
      t.at,
      F.final,
      isFinalState(t.to) ? '1' : '0',
      F.step,
      t.step,
      F.next_poll_at,
      orEmpty(t.nextPollAt),
      // a state code means LianLian knows the order
      F.not_found_since,
      '',
    ];
    if (t.ret_code !== null) fields.push(F.last_seen_code, t.ret_code);
    const reply = await runTransition(this.redis, this.ks, {
      noOrder: t.no_order,
      expectedVersion: t.expectedVersion,
      from: current.state,
      to: t.to,
      entry: JSON.stringify(entry),
      eventType: event.type,
      event: event.json,
      oidPaybill: t.oid_paybill,
      moneyOrder: t.money_order,
      fields,
    });
    if ('written' in reply) return { applied: true, version, eventId: event.id, streamId: reply.written };
    const now = await this.get(t.no_order);
    return 'refused' in reply ? { applied: false, current: now, refused: reply.refused } : { applied: false, current: now };
  }

  /**
   * Record a query that changed no state: polls + 1, the schedule's step and next poll, not_found_since, the
   * answer's code as last_seen_code, and a timeline entry (a repeat of the previous answer replaces it).
   * @returns false (nothing written) when the order is gone or its version moved
   */
  notePoll(noOrder: string, p: PollNote): Promise<boolean> {
    return notePoll(this.conn, noOrder, p);
  }

  /**
   * Add an entry to the order's timeline (newest first, the latest 100; a query repeating the previous answer
   * replaces it). @returns false for an unknown order
   */
  appendTimeline(noOrder: string, entry: TimelineEntry): Promise<boolean> {
    return appendTimeline(this.conn, noOrder, entry);
  }

  /**
   * Writes the verdict on one callback once, however often its job runs: a `callback` entry on the order's
   * timeline (when `noOrder` is tracked) and, for a callback not applied, `kept` on the operators' log
   * (`logKey`, capped at `logCap`). The marker lives `markerMs`.
   * @returns false when this callback's verdict was written before (nothing written now)
   */
  noteCallback(n: CallbackNote): Promise<boolean> {
    return noteCallback(this.conn, n);
  }

  /** The newest `limit` timeline entries, newest first. */
  timeline(noOrder: string, limit: number): Promise<TimelineEntry[]> {
    return readTimeline(this.conn, noOrder, limit);
  }

  /** The order's history, oldest first: tracked, each change of state, each operator action. */
  history(noOrder: string): Promise<HistoryEntry[]> {
    return readHistory(this.conn, noOrder);
  }

  /** Record an operator's action in the history and the timeline. @returns false for an unknown order */
  addAction(noOrder: string, a: ActionInput): Promise<boolean> {
    return addAction(this.conn, noOrder, a);
  }

  /**
   * Orders newest-tracked first, filtered by state, age (tracked before `olderThan`) and a no_order prefix,
   * one page at a time, with the total that match. A prefix search scans the index (fine for operators).
   */
  list(q: ListQuery): Promise<{ total: number; orders: OrderRecord[] }> {
    return listOrders(this.conn, q);
  }

  /** How many orders are in each state. */
  counts(): Promise<Record<OrderState, number>> {
    return countOrders(this.conn);
  }

  /** Stop querying for merchant `oid` for `ms` (LianLian said our configuration is wrong). */
  pauseMerchant(oid: string, ms: number, reason: string, at: number = Date.now()): Promise<void> {
    return pauseMerchant(this.conn, oid, ms, reason, at);
  }

  /** Until when querying for `oid` is paused (epoch ms), or null when it is not. */
  merchantPausedUntil(oid: string): Promise<number | null> {
    return merchantPausedUntil(this.conn, oid);
  }
}
