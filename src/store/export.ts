// Reading orders (record + history) and events (the stream) for `llrecon export`, in batches: an order index is read
// a page of ranks at a time (re-found after each page by its last member, so orders tracked or removed meanwhile
// neither repeat nor hide the rest), the stream with XRANGE after the last id. Nothing holds the whole set.
// What leaves here is plain JSON: money as the stored strings, times RFC 3339 with UTC+8's offset (LianLian's zone),
// and no field named in src/secret-fields.ts at any depth.
import { DateTime } from 'luxon';
import { LIANLIAN_ZONE } from '../lianlian/time.js';
import type { OrderState } from '../reconcile/states.js';
import { SECRET_FIELDS } from '../secret-fields.js';
import { ACTION_FIELD } from './action-keys.js';
import type { CloudEvent } from './cloud-event.js';
import { entryFields } from './event-stream.js';
import type { StoreConn } from './keyspace.js';
import { TRACKED_FIELD, fromHash, type HistoryEntry } from './order-record.js';
import { UNTRACK_FIELD } from './scripts/untrack.js';

export interface ExportFilter {
  /** Orders: only those now in this state; events: only those bringing an order to it. */
  state?: OrderState;
  /** Epoch ms, inclusive: orders tracked, events added, at or after it. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Orders or events read per Redis round trip. */
  batch?: number;
}

export const DEFAULT_BATCH = 500;

/** One exported history entry: its fields as stored, `at` as RFC 3339. */
export type ExportedHistoryEntry = Omit<HistoryEntry, 'at'> & { at: string };

/** One exported order: every key present (null when unknown). */
export interface ExportedOrder {
  no_order: string;
  oid_partner: string;
  state: OrderState;
  final: boolean;
  money_order: string | null;
  money_captured: string | null;
  dt_order: string;
  oid_paybill: string | null;
  pay_type: 'F' | 'G';
  valid_order: number;
  platform: string | null;
  ret_code: string | null;
  ret_msg: string | null;
  last_seen_code: string | null;
  version: number;
  polls: number;
  tracked_at: string;
  tracked_by: string | null;
  tracked_source: string | null;
  changed_at: string;
  untracked_at: string | null;
  next_poll_at: string | null;
  deadline: string | null;
  horizon_at: string;
  not_found_since: string | null;
  history: ExportedHistoryEntry[];
}

/** One exported event: as `llrecon events` prints it (the stream id, the type, the CloudEvent). */
export interface ExportedEvent {
  stream_id: string;
  /** When the stream took it (from its id), RFC 3339. */
  added_at: string;
  type: string;
  event: CloudEvent | null;
}

/** Epoch ms → RFC 3339 with milliseconds and UTC+8's offset (`2026-01-05T10:00:00.000+08:00`). */
export function rfc3339(ms: number): string {
  return DateTime.fromMillis(ms, { zone: LIANLIAN_ZONE }).toISO() as string;
}

const rfcOrNull = (ms: number | null): string | null => (ms === null ? null : rfc3339(ms));

const SECRET = new Set(SECRET_FIELDS);

/** `value` without any key named in SECRET_FIELDS, at any depth (a copy; `value` is untouched). */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutSecrets(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!SECRET.has(k)) out[k] = withoutSecrets(v);
  return out as T;
}

/** Redis orders members of equal score bytewise: the same order here. */
const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The no_order of the index's members scored within [since, until), ascending, a page at a time. */
async function* indexPages({ redis }: StoreConn, index: string, f: ExportFilter): AsyncGenerator<string[]> {
  const batch = f.batch ?? DEFAULT_BATCH;
  const since = f.since ?? -Infinity;
  const until = f.until ?? Infinity;
  let start = f.since === undefined ? 0 : await redis.zcount(index, '-inf', `(${f.since}`);
  let last: { no: string; score: number } | null = null;
  for (;;) {
    const flat = await redis.zrange(index, start, start + batch - 1, 'WITHSCORES');
    const page: string[] = [];
    let end = flat.length < batch * 2;
    for (let i = 0; i < flat.length; i += 2) {
      const no = flat[i] as string;
      const score = Number(flat[i + 1]);
      if (score >= until) {
        end = true;
        break;
      }
      // before the range, or read already (the page was re-found from below the last member)
      const seen = last !== null && (score < last.score || (score === last.score && byteCompare(no, last.no) <= 0));
      if (score >= since && !seen) page.push(no);
      if (!seen) last = { no, score };
    }
    if (page.length > 0) yield page;
    if (end || last === null) return;
    // the next page starts right after the last member read, wherever inserts and removals moved it; when it was
    // removed meanwhile, from the first member of its score (those already read are skipped above)
    const rank = await redis.zrank(index, last.no);
    start = rank !== null ? rank + 1 : await redis.zcount(index, '-inf', `(${last.score}`);
  }
}

function exportedOrder(h: Record<string, string>, historyRows: string[]): ExportedOrder | null {
  const o = fromHash(h);
  if (o === null) return null;
  const untracked = h[UNTRACK_FIELD.at];
  const tracked: HistoryEntry = { at: o.tracked_at, kind: 'tracked', state: 'pending' };
  if (h[TRACKED_FIELD.actor] !== undefined) tracked.actor = h[TRACKED_FIELD.actor];
  if (h[TRACKED_FIELD.source] !== undefined) tracked.source = h[TRACKED_FIELD.source];
  const history = [tracked, ...historyRows.map((r) => JSON.parse(r) as HistoryEntry)].map((e) => ({ ...e, at: rfc3339(e.at) }));
  return withoutSecrets({
    no_order: o.no_order,
    oid_partner: o.oid_partner,
    state: o.state,
    final: o.final,
    money_order: o.money_order,
    money_captured: h[ACTION_FIELD.moneyCaptured] ?? null,
    dt_order: o.dt_order,
    oid_paybill: o.oid_paybill,
    pay_type: o.pay_type,
    valid_order: o.valid_order,
    platform: o.platform,
    ret_code: o.ret_code,
    ret_msg: o.ret_msg,
    last_seen_code: o.last_seen_code,
    version: o.version,
    polls: o.polls,
    tracked_at: rfc3339(o.tracked_at),
    tracked_by: h[TRACKED_FIELD.actor] ?? null,
    tracked_source: h[TRACKED_FIELD.source] ?? null,
    changed_at: rfc3339(o.changed_at),
    untracked_at: untracked === undefined ? null : rfc3339(Number(untracked)),
    next_poll_at: rfcOrNull(o.final ? null : o.next_poll_at),
    deadline: rfcOrNull(o.deadline),
    horizon_at: rfc3339(o.horizon_at),
    not_found_since: rfcOrNull(o.not_found_since),
    history,
  });
}

/**
 * The orders (record and history), a batch at a time, oldest tracked first: all of them, or those now in
 * `f.state`, tracked within [since, until). An order removed between its index page and its read is left out.
 */
export async function* exportOrders(conn: StoreConn, f: ExportFilter = {}): AsyncGenerator<ExportedOrder[]> {
  const { redis, ks } = conn;
  const index = f.state === undefined ? ks.allOrders : ks.stateIndex(f.state);
  for await (const nos of indexPages(conn, index, f)) {
    const pipe = redis.pipeline();
    for (const no of nos) pipe.hgetall(ks.order(no)).lrange(ks.history(no), 0, -1);
    const replies = (await pipe.exec()) ?? [];
    const out: ExportedOrder[] = [];
    for (let i = 0; i < replies.length; i += 2) {
      const [e1, h] = replies[i] ?? [new Error('no reply')];
      const [e2, rows] = replies[i + 1] ?? [new Error('no reply')];
      if (e1 || e2) throw e1 ?? e2;
      const order = exportedOrder(h as Record<string, string>, rows as string[]);
      if (order) out.push(order);
    }
    if (out.length > 0) yield out;
  }
}

/** The smallest stream id after `id` (XRANGE's exclusive `(` needs Redis 6.2). */
function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}

/**
 * The events of the stream, a batch at a time, oldest first: those added within [since, until) (by stream id),
 * and with `f.state` only those whose `data.state` is it.
 */
export async function* exportEvents({ redis, ks }: StoreConn, f: ExportFilter = {}): AsyncGenerator<ExportedEvent[]> {
  const batch = f.batch ?? DEFAULT_BATCH;
  const end = f.until === undefined ? '+' : `${Math.max(0, f.until - 1)}-18446744073709551615`;
  if (f.until !== undefined && f.until <= 0) return;
  let from = f.since === undefined ? '-' : `${Math.max(0, f.since)}-0`;
  for (;;) {
    const entries = (await redis.xrange(ks.events, from, end, 'COUNT', batch)) as Array<[string, string[]]>;
    const out: ExportedEvent[] = [];
    for (const [streamId, fields] of entries) {
      const { type, event: json } = entryFields(fields);
      const event = json === null ? null : (JSON.parse(json) as CloudEvent);
      if (f.state !== undefined && event?.data?.state !== f.state) continue;
      out.push(withoutSecrets({ stream_id: streamId, added_at: rfc3339(Number(streamId.split('-')[0])), type, event }));
    }
    if (out.length > 0) yield out;
    if (entries.length < batch) return;
    from = nextStreamId((entries[entries.length - 1] as [string, string[]])[0]);
  }
}
