// Whether a change of an order is its pending action's doing, for the `via` of the change's event: `capture` or
// `void` while an action of llrecon's on the order awaits its outcome (sent, answered or lost), whichever query
// found the change.
import type { Cluster, Redis } from 'ioredis';
import type { ActionKind } from '../clients/preauth-action-client.js';
import { ACTION_FIELD, actionKeys } from '../store/action-keys.js';
import { AWAITING_OUTCOME, type ActionStatus } from '../store/action-record.js';
import type { Keyspace } from '../store/keyspace.js';

/** The kind of the order's action awaiting its outcome, or null (two reads: only when a change is written). */
export async function pendingActionVia(ctx: { redis: Redis | Cluster; ks: Keyspace }, noOrder: string): Promise<ActionKind | null> {
  const id = await ctx.redis.hget(ctx.ks.order(noOrder), ACTION_FIELD.lastAction);
  if (id === null) return null;
  const [kind, status] = await ctx.redis.hmget(actionKeys(ctx.ks).action(id), 'kind', 'status');
  if (status === null || !AWAITING_OUTCOME.has(status as ActionStatus)) return null;
  return kind === 'void' ? 'void' : 'capture';
}
