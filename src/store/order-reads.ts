// Reading orders: one or many records, pages of an index (filtered by state, age and a no_order prefix), and
// how many orders are in each state.
import { ORDER_STATES, type OrderState } from '../reconcile/states.js';
import type { StoreConn } from './keyspace.js';
import { fromHash, type OrderRecord } from './order-record.js';

export interface ListQuery {
  state?: OrderState;
  /** Only orders tracked before this epoch ms. */
  olderThan?: number;
  /** Only orders whose no_order starts with this. */
  search?: string;
  limit: number;
  offset: number;
}

/** `*`, `?`, `[`, `]` and `\` taken literally in a SCAN MATCH pattern. */
const globLiteral = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

export async function getOrder({ redis, ks }: StoreConn, noOrder: string): Promise<OrderRecord | null> {
  return fromHash(await redis.hgetall(ks.order(noOrder)));
}

export async function getOrders({ redis, ks }: StoreConn, nos: readonly string[]): Promise<OrderRecord[]> {
  if (nos.length === 0) return [];
  const pipe = redis.pipeline();
  for (const no of nos) pipe.hgetall(ks.order(no));
  const res = (await pipe.exec()) ?? [];
  const out: OrderRecord[] = [];
  for (const [err, h] of res) {
    if (err) throw err;
    const o = fromHash(h as Record<string, string>);
    if (o) out.push(o);
  }
  return out;
}

export async function listOrders(conn: StoreConn, q: ListQuery): Promise<{ total: number; orders: OrderRecord[] }> {
  const { redis, ks } = conn;
  const index = q.state === undefined ? ks.allOrders : ks.stateIndex(q.state);
  const max = q.olderThan === undefined ? '+inf' : `(${q.olderThan}`;
  if (q.limit <= 0) return { total: await redis.zcount(index, '-inf', max), orders: [] };
  if (!q.search) {
    const [total, nos] = await Promise.all([
      redis.zcount(index, '-inf', max),
      redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', q.offset, q.limit),
    ]);
    return { total, orders: await getOrders(conn, nos) };
  }
  const matches: Array<{ no: string; score: number }> = [];
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(index, cursor, 'MATCH', `${globLiteral(q.search)}*`, 'COUNT', 1000);
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
  return { total: unique.length, orders: await getOrders(conn, page) };
}

export async function countOrders({ redis, ks }: StoreConn): Promise<Record<OrderState, number>> {
  const pipe = redis.pipeline();
  for (const s of ORDER_STATES) pipe.zcard(ks.stateIndex(s));
  const res = (await pipe.exec()) ?? [];
  const out = {} as Record<OrderState, number>;
  for (const [i, s] of ORDER_STATES.entries()) {
    const [err, n] = res[i] ?? [new Error('no reply')];
    if (err) throw err;
    out[s] = Number(n);
  }
  return out;
}
