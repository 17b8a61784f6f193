// The chaos run's watch on the rate cap's log, in a process of its own: it must look at the log more often than
// grants leave it (a window of 1.1 s), and the run's own event loop — tracking thousands of orders, reading
// reports — can stall for longer than that, which once made the watch miss grants. Forked by
// chaos/grant-watch.ts:
//   env  CHAOS_WATCH_REDIS_URL  the run's redis-server; CHAOS_WATCH_KEY  the rate log (`<prefix>:rate:log`)
//   IPC  { type: 'look' } → { type: 'looked' }: take in the log now (before Redis is stopped);
//        { type: 'stop' } → { type: 'grants', times, longestGapMs } and exit.
import { Redis } from 'ioredis';

/** What the run asks of this process. */
export type WatchCommand = { type: 'look' } | { type: 'stop' };
/** This process's messages. */
export type WatchReply = { type: 'ready' } | { type: 'looked' } | { type: 'grants'; times: number[]; longestGapMs: number };

/** How often the log is read: well under the 1.1 s that a grant stays in it. */
const EVERY_MS = 100;

const url = process.env.CHAOS_WATCH_REDIS_URL;
const key = process.env.CHAOS_WATCH_KEY;
if (!url || !key) throw new Error('chaos grant-watch-process: CHAOS_WATCH_REDIS_URL and CHAOS_WATCH_KEY must be set');

// back within moments of Redis (llrecon's processes back off up to 20 s), and not held back by AOF loading
const redis = new Redis(url, { retryStrategy: () => 100, maxLoadingRetryTime: 100, maxRetriesPerRequest: null });
redis.on('error', () => undefined);

// member → grant time (epoch ms on Redis's clock); a re-asked grant moves its member's entry, so the last wins
const grants = new Map<string, number>();
let lastLookAt = performance.now();
let longestGapMs = 0;

async function look(): Promise<void> {
  const flat = await redis.zrange(key as string, 0, -1, 'WITHSCORES');
  for (let i = 0; i < flat.length; i += 2) grants.set(flat[i] as string, Number(flat[i + 1]) / 1000);
  const now = performance.now();
  longestGapMs = Math.max(longestGapMs, now - lastLookAt);
  lastLookAt = now;
}

const reply = (r: WatchReply): void => void process.send?.(r);
let looking = false;
const timer = setInterval(() => {
  // while Redis is away there is nothing to see; the gap is not the watch's blindness (no grants are made)
  if (looking || redis.status !== 'ready') {
    if (redis.status !== 'ready') lastLookAt = performance.now();
    return;
  }
  looking = true;
  void look()
    .catch(() => undefined)
    .finally(() => (looking = false));
}, EVERY_MS);

process.on('message', (msg: WatchCommand) => {
  if (msg.type === 'look') {
    void look()
      .catch(() => undefined)
      .finally(() => reply({ type: 'looked' }));
    return;
  }
  clearInterval(timer);
  void look()
    .catch(() => undefined)
    .finally(() => {
      const last: WatchReply = {
        type: 'grants',
        times: [...grants.values()].sort((a, b) => a - b),
        longestGapMs: Math.round(longestGapMs),
      };
      process.send?.(last, () => {
        redis.disconnect();
        process.disconnect();
      });
    });
});
// the run is gone: so is the watch
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
