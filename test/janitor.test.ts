// The janitor (src/poll/ensure-poll-jobs.ts) through BullMQ's public API: an order whose poll job failed for
// good gets it back, an order whose job was never added (a process killed between the two writes) gets one,
// a healthy job is left alone — and then every one of those orders is queried to its final state.
import { randomBytes } from 'node:crypto';
import { Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { ensurePollJobs } from '../src/poll/ensure-poll-jobs.js';
import { QUEUE, pollJobId } from '../src/queues/names.js';
import { killAllWorkers, spawnWorker } from './support/worker-spawn.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  // no workers in this process: the poll jobs stay where the test puts them
  stack = await startStack({ env: { ROLES: 'api', POLL_SCHEDULE: '20ms' } });
});
afterAll(async () => {
  killAllWorkers();
  await stack?.close();
});

/** Moves the order's poll job to `failed` as a crashing processor would (poll jobs get one attempt). */
async function failPollJob(no: string): Promise<void> {
  const conn = new Redis(stack.config.redisUrl as string, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE.poll,
    async () => {
      throw new Error('processor crashed');
    },
    { connection: conn as unknown as ConnectionOptions, prefix: stack.engine.ctx.ks.bullPrefix },
  );
  try {
    await waitFor(async () => (await stack.engine.ctx.queues.poll.getJobState(pollJobId(no))) === 'failed');
  } finally {
    await worker.close();
    await conn.quit();
  }
}

it('retries a failed poll job, re-adds a missing one, leaves a healthy one, and the orders then end final', async () => {
  const dt = formatLianLianTime(Date.now());
  const tag = randomBytes(3).toString('hex');
  const [failed, missing, healthy] = ['FAILED', 'MISSING', 'HEALTHY'].map((k) => `JAN${k}${tag}`) as [string, string, string];
  for (const no of [failed, missing, healthy])
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '12.30',
      timeline: [
        { code: 'PR07', after: { queries: 1 } },
        { code: 'PR12', after: { queries: 1 } },
        { code: 'PR11', after: { queries: 1 } },
      ],
    });
  const poll = stack.engine.ctx.queues.poll;

  expect((await stack.engine.track({ no_order: failed, dt_order: dt, money_order: '12.30' }, { source: 'embed' })).accepted).toEqual([
    failed,
  ]);
  await failPollJob(failed);
  expect((await stack.engine.track({ no_order: healthy, dt_order: dt, money_order: '12.30' }, { source: 'embed' })).accepted).toEqual([
    healthy,
  ]);
  // tracked, but the process "died" before adding its poll job
  const now = Date.now();
  expect(
    await stack.engine.store.track(
      { no_order: missing, dt_order: dt, oid_paybill: null, pay_type: 'F', money_order: '12.30', valid_order: 10080, platform: null },
      now,
      now + 86_400_000,
      null,
    ),
  ).toBe(true);
  expect(await poll.getJobState(pollJobId(missing))).toBe('unknown');
  const healthyBefore = await poll.getJobState(pollJobId(healthy));
  expect(['delayed', 'waiting']).toContain(healthyBefore);

  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  expect(await ensurePollJobs({ ...stack.engine.ctx, log })).toEqual({ checked: 3, added: 1, retried: 1 });
  expect(await poll.getJobState(pollJobId(failed))).toBe('waiting');
  expect(await poll.getJobState(pollJobId(missing))).toBe('waiting');
  expect(await poll.getJobState(pollJobId(healthy))).toBe(healthyBefore);
  const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'janitor restored poll jobs');
  expect(warned).toMatchObject([{ level: 40, checked: 3, added: 1, retried: 1 }]);

  // nothing left to restore: a second sweep changes nothing and says nothing
  lines.length = 0;
  expect(await ensurePollJobs({ ...stack.engine.ctx, log })).toEqual({ checked: 3, added: 0, retried: 0 });
  expect(lines).toEqual([]);

  await spawnWorker(stack, { POLL_SCHEDULE: '20ms' });
  const states = await waitFor(
    async () => {
      const orders = await stack.engine.store.getMany([failed, missing, healthy]);
      return orders.length === 3 && orders.every((o) => o.final) ? orders.map((o) => o.state) : null;
    },
    20_000,
    100,
  );
  expect(states).toEqual(['captured', 'captured', 'captured']);
}, 60_000);
