// Judging `not_captured` rows again once their order's confirming query has answered: the rows wait in the
// `pending` zset; each pass reads them with their orders and writes the verdicts that changed (SETTLE_ROWS, with an
// event when the new verdict is a discrepancy; `matched` needs none). A row leaves the set once its order is final.
import { emptyTally, settleRows } from './apply.js';
import type { SettlementDeps } from './deps.js';
import { decodeRow, rowFromStored } from './row-value.js';

const PER_PASS = 1000;

/** One pass over the pending rows. @returns how many verdicts were written */
export async function rejudgePending(deps: SettlementDeps): Promise<number> {
  const { redis, keys } = deps;
  const rowKeys = await redis.zrange(keys.pending, 0, PER_PASS - 1);
  if (rowKeys.length === 0) return 0;
  const values = await redis.hmget(keys.rows, ...rowKeys);
  let written = 0;
  const gone: string[] = [];
  // rows of one file and generation are settled together (settleRows keeps a row's file)
  const groups = new Map<string, { name: string; gen: number; rows: ReturnType<typeof rowFromStored>[] }>();
  for (const [i, key] of rowKeys.entries()) {
    const text = values[i];
    const stored = typeof text === 'string' ? decodeRow(text) : null;
    const [oid, no] = key.split('|') as [string, string];
    if (stored === null || stored.result !== 'not_captured') {
      gone.push(key);
      continue;
    }
    const id = `${stored.file}|${stored.gen}`;
    const group = groups.get(id) ?? { name: stored.file, gen: stored.gen, rows: [] };
    group.rows.push(rowFromStored(oid, no, stored));
    groups.set(id, group);
  }
  if (gone.length > 0) await redis.zrem(keys.pending, ...gone);
  for (const g of groups.values()) {
    const tally = emptyTally();
    // the stored digest is of the whole row; judged again it must be recognised as the same row
    await settleRows(deps, { name: g.name, gen: g.gen }, g.rows, tally, { sameRow: true });
    written += tally.written;
  }
  return written;
}
