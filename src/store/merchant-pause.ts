// Querying paused for a merchant (LianLian said our configuration is wrong): one string key with an expiry.
import type { StoreConn } from './keyspace.js';

export async function pauseMerchant({ redis, ks }: StoreConn, oid: string, ms: number, reason: string, at: number): Promise<void> {
  await redis.set(ks.merchantPause(oid), `${at + ms}|${reason}`, 'PX', Math.max(1, Math.ceil(ms)));
}

export async function merchantPausedUntil({ redis, ks }: StoreConn, oid: string): Promise<number | null> {
  const v = await redis.get(ks.merchantPause(oid));
  if (v === null) return null;
  const until = Number(v.slice(0, v.indexOf('|')));
  return Number.isFinite(until) ? until : null;
}
