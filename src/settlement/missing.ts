// The `missing` verdict: an order llrecon saw captured on a day (UTC+8) at least SETTLEMENT_GRACE before the latest
// daily file, and in no imported file, is listed once under that file's settle date (with its event). A row that
// settles it later takes it off the list (SETTLE_ROWS).
import { missingCutoffMs, missingItem } from '../reconcile/settlement-match.js';
import { HASH_FIELD } from '../store/order-record.js';
import { callScript } from '../store/scripts/script.js';
import { SETTLE_MISSING } from '../store/scripts/settlement.js';
import { CAPTURED_FIELD, knownOrderOf } from './apply.js';
import type { SettlementDeps } from './deps.js';
import { mismatchEvent } from './events.js';
import { orderKey, rowKey } from './keys.js';
import { verdictDigest } from './row-value.js';

/** Lists the captured orders due in the files by `latestSettleDate` that none settled. @returns how many were new */
export async function sweepMissing(deps: SettlementDeps, latestSettleDate: string): Promise<number> {
  const { redis, ks, keys } = deps;
  const cutoff = missingCutoffMs(latestSettleDate, deps.graceMs);
  const index = ks.stateIndex('captured');
  let added = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(index, cursor, 'COUNT', 1000);
    cursor = next;
    const nos: string[] = [];
    for (let i = 0; i < flat.length; i += 2) nos.push(flat[i] as string);
    if (nos.length === 0) continue;
    const read = redis.pipeline();
    for (const no of nos) {
      read.hmget(
        ks.order(no),
        HASH_FIELD.state,
        HASH_FIELD.money_order,
        HASH_FIELD.oid_paybill,
        CAPTURED_FIELD,
        HASH_FIELD.oid_partner,
        HASH_FIELD.changed_at,
      );
      read.hexists(keys.rows, rowKey(deps.oidPartner, no, '0'));
      read.hexists(keys.missing, orderKey(deps.oidPartner, no));
    }
    const res = (await read.exec()) ?? [];
    const write = redis.pipeline();
    let n = 0;
    for (const [i, no] of nos.entries()) {
      const values = res[3 * i]?.[1] as (string | null)[] | undefined;
      if (values === undefined || res[3 * i + 1]?.[1] === 1 || res[3 * i + 2]?.[1] === 1) continue;
      const known = knownOrderOf(values.slice(0, 5), deps.oidPartner);
      const capturedAt = Number(values[5]);
      // the capture's day: when the order became captured (a final state never changes again)
      if (known === null || known.state !== 'captured' || !Number.isFinite(capturedAt) || capturedAt >= cutoff) continue;
      const item = missingItem({ no_order: no, oid_partner: deps.oidPartner, ...known });
      const event = mismatchEvent(latestSettleDate, item, verdictDigest(item), deps.now());
      void callScript(
        write,
        SETTLE_MISSING,
        [keys.rows, keys.missing, ks.events, keys.dates],
        [
          orderKey(deps.oidPartner, no),
          rowKey(deps.oidPartner, no, '0'),
          latestSettleDate,
          keys.prefix,
          JSON.stringify(item),
          event.type,
          event.json,
        ],
      );
      n += 1;
    }
    if (n === 0) continue;
    for (const [err, r] of (await write.exec()) ?? []) {
      if (err) throw err;
      if (r === 1) {
        added += 1;
        deps.metrics?.rows.inc({ result: 'missing' });
      }
    }
  } while (cursor !== '0');
  return added;
}
