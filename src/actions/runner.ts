// The action runner of a query process: every tick it takes the open actions that are due (each under a lease,
// so that two processes never handle one at once), and now and then sweeps the holds (one process at a time).
// A lease outlives the longest send (QUERY_TIMEOUT) with room to spare: a process killed mid-send leaves its
// lease to expire, and the next process to take the action finds it `sending` — never to be sent again.
import { randomBytes } from 'node:crypto';
import type { EngineContext } from '../engine-context.js';
import { actionKeys } from '../store/action-keys.js';
import { releaseLease, takeLease } from '../store/scripts/action.js';
import { sweepHolds } from './holds.js';
import { processAction } from './process.js';

export interface ActionRunnerOptions {
  /** How often due actions are looked for (default 250 ms). */
  tickMs?: number;
  /** How often the holds are swept (default 30 s). */
  holdSweepMs?: number;
}

/** Actions handled at once by one process. */
const BATCH = 16;

export interface ActionRunner {
  /** Handles the actions due now, once (tests). */
  runOnce(): Promise<void>;
  /** Sweeps the holds now, once (tests). */
  sweepHolds(): Promise<{ warned: number; acted: number }>;
  stop(): Promise<void>;
}

export function startActionRunner(ctx: EngineContext, opts: ActionRunnerOptions = {}): ActionRunner {
  const token = randomBytes(12).toString('hex');
  const keys = actionKeys(ctx.ks);
  const leaseMs = 2 * ctx.config.queryTimeoutMs + 5_000;
  const tickMs = opts.tickMs ?? 250;
  const holdSweepMs = opts.holdSweepMs ?? 30_000;
  let stopped = false;
  const inflight = new Set<Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];

  const handle = async (id: string): Promise<void> => {
    const lease = `act:${id}`;
    if (!(await takeLease(ctx.redis, ctx.ks, lease, token, leaseMs))) return;
    try {
      const next = await processAction(ctx, id);
      if (next === null) await ctx.redis.zrem(keys.open, id);
      else await ctx.redis.zadd(keys.open, 'XX', next, id);
    } finally {
      await releaseLease(ctx.redis, ctx.ks, lease, token);
    }
  };

  const runOnce = async (): Promise<void> => {
    const due = await ctx.redis.zrangebyscore(keys.open, '-inf', ctx.now(), 'LIMIT', 0, BATCH);
    await Promise.all(
      due.map((id) =>
        handle(id).catch((err: Error) => ctx.log.error({ action_id: id, err: err.message }, 'action step failed; trying again')),
      ),
    );
  };

  const sweep = async (): Promise<{ warned: number; acted: number }> => {
    if (!(await takeLease(ctx.redis, ctx.ks, 'holds', token, Math.max(holdSweepMs, 5_000)))) return { warned: 0, acted: 0 };
    try {
      return await sweepHolds(ctx);
    } finally {
      await releaseLease(ctx.redis, ctx.ks, 'holds', token);
    }
  };

  const loop = (every: number, work: () => Promise<unknown>, what: string) => {
    const go = () => {
      if (stopped) return;
      const run: Promise<unknown> = work()
        .catch((err: Error) => ctx.log.error({ err: err.message }, `${what} failed`))
        .finally(() => {
          inflight.delete(run);
          if (!stopped) timers.push(setTimeout(go, every).unref());
        });
      inflight.add(run);
    };
    timers.push(setTimeout(go, every).unref());
  };
  loop(tickMs, runOnce, 'action runner');
  loop(holdSweepMs, sweep, 'hold sweep');

  return {
    runOnce,
    sweepHolds: sweep,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inflight]);
    },
  };
}
