// Settlement test helpers: orders written straight into Redis in the store's format (as the bench seeds a million),
// the deps of an import, and the events a test reads back.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { DETAIL_FIELDS } from '../../src/lianlian/settlement/fields.js';
import { createLogger } from '../../src/log.js';
import { isFinalState, type OrderState } from '../../src/reconcile/states.js';
import { CAPTURED_FIELD } from '../../src/settlement/apply.js';
import { settlementDeps, type SettlementDeps } from '../../src/settlement/deps.js';
import { readEvents } from '../../src/store/event-stream.js';
import type { Keyspace } from '../../src/store/keyspace.js';
import { HASH_FIELD as F } from '../../src/store/order-record.js';

export interface SeedOrder {
  no_order: string;
  state: OrderState;
  money_order?: string;
  oid_paybill?: string | null;
  /** The amount llrecon sent in its capture (hash field `money_captured`). */
  money_captured?: string;
  /** When it reached its state (for `captured`: the capture's time). */
  changed_at?: number;
}

/** The order's hash as the store keeps it (order-record.ts's field names), with what settlement reads. */
export function orderHash(oidPartner: string, o: SeedOrder, now = Date.now()): { hash: Record<string, string>; trackedAt: number } {
  const changedAt = o.changed_at ?? now;
  const trackedAt = changedAt - 60_000;
  const values: Partial<Record<keyof typeof F, string | null>> = {
    no_order: o.no_order,
    oid_partner: oidPartner,
    dt_order: '20260301080000',
    oid_paybill: o.oid_paybill ?? null,
    pay_type: 'F',
    money_order: o.money_order ?? '100.00',
    valid_order: '10080',
    state: o.state,
    version: '1',
    polls: '0',
    step: '0',
    tracked_at: String(trackedAt),
    changed_at: String(changedAt),
    horizon_at: String(changedAt + 86_400_000),
    final: isFinalState(o.state) ? '1' : '0',
  };
  const hash: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined) hash[F[k as keyof typeof F]] = v;
  if (o.money_captured) hash[CAPTURED_FIELD] = o.money_captured;
  return { hash, trackedAt };
}

/** Writes orders as the store keeps them (hash, state index, all-orders index), pipelined. */
export async function seedOrders(redis: Redis | Cluster, ks: Keyspace, oidPartner: string, orders: readonly SeedOrder[]): Promise<void> {
  const pipe = redis.pipeline();
  for (const o of orders) {
    const { hash, trackedAt } = orderHash(oidPartner, o);
    pipe.hset(ks.order(o.no_order), hash);
    pipe.zadd(ks.stateIndex(o.state), trackedAt, o.no_order);
    pipe.zadd(ks.allOrders, trackedAt, o.no_order);
  }
  await pipe.exec();
}

export function testDeps(
  redis: Redis | Cluster,
  ks: Keyspace,
  oidPartner: string,
  extra: Partial<Pick<SettlementDeps, 'confirm' | 'now' | 'graceMs' | 'encoding'>> = {},
): SettlementDeps {
  return {
    ...settlementDeps({
      redis,
      ks,
      oidPartner,
      config: { settlementPreauthPayTypes: ['F', 'G'], settlementGraceMs: 2 * 86_400_000, settlementEncoding: 'auto' },
      log: createLogger({ level: 'silent' }),
    }),
    ...extra,
  };
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), `llrecon-settle-${randomBytes(3).toString('hex')}-`));
}

/** Writes `bytes` as `name` in `dir`; returns the path. */
export function writeIn(dir: string, name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The settlement events on the stream, parsed. */
export async function settlementEvents(
  redis: Redis | Cluster,
  ks: Keyspace,
): Promise<{ type: string; id: string; data: Record<string, unknown> }[]> {
  const events = await readEvents(redis, ks, '0', 100_000);
  return events
    .filter((e) => e.type.startsWith('settlement.'))
    .map((e) => ({ type: e.type, id: e.event.id, data: e.event.data as unknown as Record<string, unknown> }));
}

/** One valid detail row of merchant `oidPartner`, field by field (order A1, 12.50, settled 2024-05-02): tests vary it. */
export function detailRowFields(oidPartner: string): Record<(typeof DETAIL_FIELDS)[number], string> {
  return {
    no_order: 'A1',
    oid_partner: oidPartner,
    dt_order: '20240501 10:10:10',
    busi_partner: '101001',
    oid_paybill: '2024050100001',
    settle_date: '20240502',
    currency_order: 'CNY',
    money_order: '12.50',
    currenty_pay: 'CNY',
    money_pay: '12.50',
    currency_settle: 'CNY',
    money_settle: '12.43',
    exchange_rate: '1.0000',
    transaction_status: '0',
    dt_update: '20240502 09:00:00',
    transaction_fee: '0.07',
    pay_product: '1',
    pay_type: 'F',
    info_order: 'goods',
  };
}
