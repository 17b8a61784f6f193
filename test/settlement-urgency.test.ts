// Settlement's confirming queries go at routine urgency: a `not_captured` row makes its order's own routine poll due
// now (promoted) rather than queuing a confirm job that would go ahead of every routine poll at the rate cap, so a
// monthly file of many such rows cannot starve the other orders' polls. Other callers keep the confirm job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestConfirm } from '../src/poll/request-confirm.js';
import { pollJobId } from '../src/queues/names.js';
import { settlementFiles, type SettledOrder } from '../src/sandbox/settlement-files.js';
import { settlementDeps } from '../src/settlement/deps.js';
import { settlementConfirm } from '../src/settlement/for-engine.js';
import { importSettlementFile } from '../src/settlement/import.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/settlement.js';
import { startStack, type Stack } from './support/stack.js';

const DAY = '20260305';
const dt = '20260304100000';
let stack: Stack;

// no query role: nothing runs the queues, so what was queued (and where) stays to be looked at
beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '1h', ROLES: 'api' } });
});
afterAll(() => stack.close());

async function track(no: string): Promise<void> {
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '88.00' }, { source: 'embed' });
}

function row(no: string, i: number): SettledOrder {
  return {
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    oid_paybill: `2026030500${String(i).padStart(8, '0')}`,
    money_order: '88.00',
    settle_date: DAY,
  };
}

describe('settlement confirming queries', () => {
  it('make the orders’ routine polls due now and queue no confirm job ahead of routine polls', async () => {
    const { queues } = stack.engine.ctx;
    const nos = Array.from({ length: 40 }, (_, i) => `SU${Date.now()}${i}`);
    for (const no of nos) await track(no);
    for (const no of nos) expect(await (await queues.poll.getJob(pollJobId(no)))?.isDelayed()).toBe(true);
    const file = settlementFiles(nos.map(row)).daily[0]!;
    const path = join(tempDir(), file.name);
    writeFileSync(path, file.bytes);
    const deps = settlementDeps({
      redis: stack.engine.ctx.redis,
      ks: stack.engine.ctx.ks,
      oidPartner: stack.oidPartner,
      config: stack.config,
      log: stack.engine.ctx.log,
      confirm: settlementConfirm(stack.engine.ctx),
    });
    const result = await importSettlementFile(deps, path);
    expect(result.counts.not_captured).toBe(40);
    expect(result.confirming).toBe(40);
    const counts = await queues.confirm.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    for (const no of nos) {
      const job = await queues.poll.getJob(pollJobId(no));
      expect(await job?.getState()).toBe('waiting');
      // recorded in the order's history as settlement's query
      const history = await stack.engine.store.history(no);
      expect(history).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'requery', actor: 'settlement' })]));
    }
  });

  it('an order without a poll job, and every other caller, still get a confirm job', async () => {
    const { queues } = stack.engine.ctx;
    const routine = `SR${Date.now()}`;
    const ahead = `SA${Date.now()}`;
    await track(routine);
    await track(ahead);
    await queues.poll.remove(pollJobId(routine));
    expect(await requestConfirm(stack.engine.ctx, routine, 'requery', { source: 'import' }, { urgency: 'routine' })).toBe(true);
    expect(await requestConfirm(stack.engine.ctx, ahead, 'requery', { source: 'cli' })).toBe(true);
    const waiting = (await queues.confirm.getJobs(['waiting'])).map((j) => j.data.no);
    expect(waiting).toEqual(expect.arrayContaining([routine, ahead]));
    expect(await (await queues.poll.getJob(pollJobId(ahead)))?.isDelayed()).toBe(true);
    expect(await requestConfirm(stack.engine.ctx, 'NOT-TRACKED', 'requery', { source: 'import' }, { urgency: 'routine' })).toBe(false);
  });
});
