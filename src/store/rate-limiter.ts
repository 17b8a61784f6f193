// The global cap on LianLian queries: at most `limit` queries SENT in any sliding window of `windowMs`, across
// every worker and process sharing the Redis. High-priority acquirers (confirming and re-query queries) go ahead
// of routine polls that are waiting at the cap.
//
// Slots are granted on Redis's clock, but a query leaves when its worker gets round to sending it: on a loaded
// machine that can be tens of ms later for some queries of a burst, and LianLian would then see more than `limit`
// in one of its seconds. So grants are counted over `windowMs + SEND_MARGIN_MS`, and a grant whose answer took
// longer than GRANT_FRESH_MS to come back (measured from before the request, so it bounds the time since the
// grant) is not used: the caller asks again, under the same member, which moves its entry instead of adding one.
// Queries sent within SEND_MARGIN_MS of their grants then never number more than `limit` in any window of
// `windowMs`. The price: at the cap, `limit` queries per `windowMs + SEND_MARGIN_MS` (91 % of it for 1 s).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { LlreconError } from '../errors.js';
import type { Keyspace } from './keyspace.js';
import { runRateAcquire } from './scripts/rate-acquire.js';
import { defineScripts } from './scripts/index.js';

export interface SlidingWindowOptions {
  /** Query starts allowed in any window. */
  limit: number;
  /** The window, in ms. @defaultValue 1000 */
  windowMs?: number;
}

/** How long a high waiter's registration outlives the wait it was told (so it survives the sleep). */
const WAITER_GRACE_US = 2_000_000;
/** The retry delay of a routine acquirer held back by high waiters while the window has room. */
const YIELD_MS = 5;
/** How long after its grant a query may still be sent: grants are counted over the window plus this. */
const SEND_MARGIN_MS = 100;
/** A grant answered later than this after it was asked for is not used (the rest of the margin is for sending). */
const GRANT_FRESH_MS = SEND_MARGIN_MS / 2;
/**
 * A granted query must leave within this long of asking (its request checks, just before it is written; see
 * postJson's `sendBy`): a process held up between grant and send — descheduled, in a GC pause — would otherwise send
 * late and bunch up with later grants. The last quarter of the margin is for the network.
 */
const SEND_BY_MS = (SEND_MARGIN_MS * 3) / 4;

/** A slot under the cap: how long it took to get, and the moment (performance.now()) after which it may not be used. */
export interface RateGrant {
  waitedMs: number;
  sendBy: number;
}

export class SlidingWindowLimiter {
  private readonly limit: number;
  private readonly windowUs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly ks: Keyspace,
    opts: SlidingWindowOptions,
  ) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new LlreconError('LLRECON_CONFIG', `rate limit must be a positive integer (got ${opts.limit})`);
    const windowMs = opts.windowMs ?? 1000;
    if (!(windowMs > 0)) throw new LlreconError('LLRECON_CONFIG', `rate window must be positive (got ${windowMs})`);
    this.limit = opts.limit;
    this.windowUs = Math.round((windowMs + SEND_MARGIN_MS) * 1000);
    defineScripts(redis);
  }

  /**
   * Wait until a query may be sent, and take the slot: the caller must send it at once (sign it before asking).
   * A 'high' caller that must wait registers itself, and 'routine' callers are held back while any high one waits.
   * @param signal aborting rejects with the signal's reason and withdraws the registration
   * @returns the ms spent waiting (0 when granted at once)
   */
  async acquire(priority: 'high' | 'routine', signal?: AbortSignal): Promise<number> {
    return (await this.acquireGrant(priority, signal)).waitedMs;
  }

  /**
   * {@link acquire}, with the deadline of the slot: the request must leave by `sendBy`, or not at all (the caller
   * then asks for a new slot; the unused one stays counted, which only errs on the safe side).
   */
  async acquireGrant(priority: 'high' | 'routine', signal?: AbortSignal): Promise<RateGrant> {
    const t0 = performance.now();
    const member = randomUUID();
    try {
      for (let waited = false; ; waited = true) {
        signal?.throwIfAborted();
        const asked = performance.now();
        const [granted, waitUs] = await runRateAcquire(this.redis, this.ks, {
          limit: this.limit,
          windowUs: this.windowUs,
          member,
          priority,
          graceUs: WAITER_GRACE_US,
        });
        if (granted === 1) {
          // too stale to send inside the margin: ask again (the same member moves its entry to the new grant)
          if (performance.now() - asked > GRANT_FRESH_MS) continue;
          return { waitedMs: waited ? performance.now() - t0 : 0, sendBy: asked + SEND_BY_MS };
        }
        // a little jitter, so that waiters released by the same slot do not all retry at the same instant
        const ms = Math.max(Math.ceil(waitUs / 1000), YIELD_MS) + Math.random() * 2;
        await sleep(ms, undefined, signal ? { signal } : undefined);
      }
    } catch (err) {
      if (priority === 'high') await this.redis.zrem(this.ks.rateWaiters, member).catch(() => undefined);
      throw signal?.aborted ? signal.reason : err;
    }
  }
}
