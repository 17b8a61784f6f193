// The janitor (after Kill Bill's): makes sure every order that is not final has its poll job, so an order can
// never be forgotten — e.g. a process killed between tracking an order and adding its job, or a job that
// failed for good. Runs at start-up and then every few minutes. It asks BullMQ only through its public API (the
// layout of BullMQ's keys is BullMQ's business and may change with an upgrade), with lookups that cost the same
// whatever the queue holds: the job by id (one hash), then whether it failed (one sorted set). Not getJobState():
// it searches the wait list, which after an outage can hold every order. The lookups of a page go out at once.
import type { Job } from 'bullmq';
import type { EngineContext } from '../engine-context.js';
import { pollJobId, type PollJobData } from '../queues/names.js';
import { FINAL_STATES, ORDER_STATES } from '../reconcile/states.js';

/** Orders asked for per ZSCAN of a state index (and so jobs looked up at once). */
const PAGE = 500;

export async function ensurePollJobs(ctx: EngineContext): Promise<{ checked: number; added: number; retried: number }> {
  const poll = ctx.queues.poll;
  let checked = 0;
  let added = 0;
  let retried = 0;
  for (const state of ORDER_STATES) {
    if ((FINAL_STATES as readonly string[]).includes(state)) continue;
    let cursor = '0';
    do {
      const [next, flat] = await ctx.redis.zscan(ctx.ks.stateIndex(state), cursor, 'COUNT', PAGE);
      cursor = next;
      const nos = flat.filter((_, i) => i % 2 === 0);
      const jobs: Array<Job<PollJobData> | undefined> = await Promise.all(nos.map((no) => poll.getJob(pollJobId(no))));
      const failed = await Promise.all(jobs.map((job) => job?.isFailed() ?? false));
      for (const [i, no] of nos.entries()) {
        checked++;
        const job = jobs[i];
        if (!job) {
          await poll.add('poll', { no }, { jobId: pollJobId(no) });
          added++;
        } else if (failed[i]) {
          await job.retry('failed').catch(() => undefined);
          retried++;
        }
      }
    } while (cursor !== '0');
  }
  if (added + retried > 0) ctx.log.warn({ checked, added, retried }, 'janitor restored poll jobs');
  return { checked, added, retried };
}
