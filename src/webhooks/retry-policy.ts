// When a failed webhook delivery is tried again (the shape of BullMQ's backoffs.ts: attempts in, delay out).
// Standard Webhooks asks for a schedule spanning days, with jitter; ours climbs fast to an hourly cap so that a
// receiver back from an outage gets its events within the hour, and gives up after about three days.
// Pure: randomness is passed in.

/** A retry schedule: the delay after the n-th failed attempt is scheduleMs[n - 1], the last entry repeating. */
export interface RetryPolicy {
  /** Nominal delays after the 1st, 2nd, … failed attempt; the last one is the cap. */
  readonly scheduleMs: readonly number[];
  /** Attempts in all (the first included) before the delivery is given up and left in the failed set. */
  readonly maxAttempts: number;
  /** Up to this fraction is taken off each delay at random (0.2: 80–100 % of nominal), never above the cap. */
  readonly jitter: number;
}

/** 5 s, 30 s, 2 min, 10 min, 30 min, then every hour. */
export const RETRY_SCHEDULE_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/**
 * 77 attempts: the first, six on the climbing schedule (≈ 1.7 h), then 70 hourly ones: ≈ 72 h nominal, like
 * the three days of Standard Webhooks' example schedule.
 */
export const MAX_ATTEMPTS = 77;

export const DEFAULT_RETRY_POLICY: RetryPolicy = { scheduleMs: RETRY_SCHEDULE_MS, maxAttempts: MAX_ATTEMPTS, jitter: 0.2 };

/**
 * The delay before the next attempt, after `attemptsMade` (≥ 1) failed ones. A `Retry-After` the receiver sent
 * raises it (never above the cap).
 * @param random a number in [0, 1)
 */
export function retryDelay(policy: RetryPolicy, attemptsMade: number, random: number, retryAfterMs?: number): number {
  const { scheduleMs } = policy;
  const cap = scheduleMs[scheduleMs.length - 1] ?? 0;
  const nominal = scheduleMs[Math.min(Math.max(attemptsMade, 1), scheduleMs.length) - 1] ?? cap;
  const jittered = Math.round(nominal * (1 - policy.jitter * random));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, cap));
}
