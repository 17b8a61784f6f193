// The janitor (after Kill Bill's): makes sure every order that is not final has its poll job, so an order can
// never be forgotten — e.g. a process killed between tracking an order and adding its job, or a job that
// failed for good. Runs at start-up and then every few minutes; cheap (pipelined existence checks).
import type { EngineContext } from '../engine-context.js';
import { QUEUE, pollJobId } from '../queues/names.js';
import { FINAL_STATES, ORDER_STATES } from '../reconcile/states.js';

export async function ensurePollJobs(ctx: EngineContext): Promise<{ checked: number; added: number; retried: number }> {
  const base = `${ctx.ks.bullPrefix}:${QUEUE.poll}`;
  let checked = 0;
  let added = 0;
  let retried = 0;
  for (const state of ORDER_STATES) {
    if ((FINAL_STATES as readonly string[]).includes(state)) continue;
    let cursor = '0';
    do {
      const [next, flat] = await ctx.redis.zscan(ctx.ks.stateIndex(state), cursor, 'COUNT', 500);
      cursor = next;
      const nos = flat.filter((_, i) => i % 2 === 0);
      if (nos.length === 0) continue;
      const pipe = ctx.redis.pipeline();
      for (const no of nos) {
        pipe.exists(`${base}:${pollJobId(no)}`);
        pipe.zscore(`${base}:failed`, pollJobId(no));
      }
      const res = (await pipe.exec()) ?? [];
      for (const [i, no] of nos.entries()) {
        checked++;
        const exists = res[2 * i]?.[1] === 1;
        const failed = res[2 * i + 1]?.[1] !== null && res[2 * i + 1]?.[1] !== undefined;
        if (!exists) {
          await ctx.queues.poll.add('poll', { no }, { jobId: pollJobId(no) });
          added++;
        } else if (failed) {
          const job = await ctx.queues.poll.getJob(pollJobId(no));
          if (job) {
            await job.retry('failed').catch(() => undefined);
            retried++;
          }
        }
      }
    } while (cursor !== '0');
  }
  if (added + retried > 0) ctx.log.warn({ checked, added, retried }, 'janitor restored poll jobs');
  return { checked, added, retried };
}
