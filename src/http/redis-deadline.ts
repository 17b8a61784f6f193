// Requests that need Redis answer within a deadline while Redis is away, instead of waiting on a connection that
// queues commands until it is back: a 503 the caller can retry (LianLian resends; a re-tracked order is reported
// as a duplicate and a repeated re-query collapses, so sending again is always safe).
import { LlreconError } from '../errors.js';
import { withTimeout } from '../timeout.js';

/** How long a request may wait on Redis (LianLian waits 5 s for a callback's answer: give up before that). */
export const REDIS_DEADLINE_MS = 4000;

/**
 * Runs `work`, or throws `LLRECON_QUEUE_UNAVAILABLE` (503) at once when Redis is not connected, after
 * REDIS_DEADLINE_MS when it does not finish, or when it fails while Redis is not connected. An LlreconError of the
 * work itself (a field refused) passes through.
 * @param what the request's work, for the message (`the orders`, `the callback`)
 */
export async function withinRedisDeadline<T>(redisReady: () => boolean, what: string, work: () => Promise<T>): Promise<T> {
  const unavailable = (why: string) =>
    new LlreconError('LLRECON_QUEUE_UNAVAILABLE', `${what} could not be recorded now (${why}); send again later`);
  if (!redisReady()) throw unavailable('Redis is unreachable');
  try {
    return await withTimeout(work(), REDIS_DEADLINE_MS, () => {
      throw unavailable(`no answer from Redis within ${REDIS_DEADLINE_MS} ms`);
    });
  } catch (err) {
    if (err instanceof LlreconError) throw err;
    if (!redisReady()) throw unavailable('Redis is unreachable');
    throw err;
  }
}
