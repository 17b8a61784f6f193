// Worker processes killed with SIGKILL in the middle of jobs, again and again: every order still ends right,
// with each change's event exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { allEvents } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { killAllWorkers, spawnWorker } from './support/worker-spawn.js';

let stack: Stack;
const WORKER_ENV = { POLL_SCHEDULE: '20ms', QUERY_RATE_PER_SEC: '400' };

beforeAll(async () => {
  // this process tracks orders and runs the HTTP-less engine with no workers; the workers are children
  stack = await startStack({ env: { ROLES: 'api', POLL_SCHEDULE: '20ms' } });
});
afterAll(async () => {
  killAllWorkers();
  await stack?.close();
});

it('SIGKILL mid-job loses nothing and duplicates nothing', async () => {
  const dt = formatLianLianTime(Date.now());
  const timelines = [
    ['2003', 'PR09', 'PR07', 'PR12', 'PR11'],
    ['PR08', 'PR07', 'PR15', 'PR14'],
    ['2003', 'PR10'],
    ['PR07', 'PR12', 'PR13', 'PR12', 'PR11'],
    ['2003', '2006'],
  ];
  const expected = new Map<string, string[]>();
  const orders = [];
  for (let i = 0; i < 150; i++) {
    const codes = timelines[i % timelines.length] as string[];
    const no = `KILL${Date.now()}${i}`;
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '12.30',
      // three answers per step: a query lost to a kill cannot make the order skip a state
      timeline: codes.map((code) => ({ code, after: { queries: 3 } })),
    });
    expected.set(no, codes);
    orders.push({ no_order: no, dt_order: dt, money_order: '12.30' });
  }
  // answers take a while, so SIGKILL lands while queries are in flight and between the steps of a job
  stack.simulator.injectFault({ kind: 'latency', ms: 15 }, { probability: 1, times: 1_000_000 });
  await stack.engine.track({ orders }, { source: 'embed' });

  for (let round = 0; round < 4; round++) {
    const w = await spawnWorker(stack, WORKER_ENV);
    await new Promise((r) => setTimeout(r, 400 + round * 150));
    w.kill('SIGKILL');
    await new Promise((r) => w.once('exit', r));
  }
  await spawnWorker(stack, WORKER_ENV);
  await waitFor(
    async () => {
      const states = await Promise.all([...expected.keys()].map((no) => stack.engine.store.get(no)));
      return states.every((o) => o?.final);
    },
    60_000,
    200,
  );

  const events = await allEvents(stack);
  const ids = events.map((e) => e.event.id);
  expect(new Set(ids).size).toBe(ids.length);
  const stateOf: Record<string, string> = {
    '2003': 'created',
    PR08: 'verifying',
    PR09: 'authorizing',
    PR07: 'authorized',
    PR10: 'auth_failed',
    PR12: 'capturing',
    PR11: 'captured',
    PR13: 'capture_failed',
    PR15: 'voiding',
    PR14: 'voided',
    '2006': 'expired',
  };
  for (const [no, codes] of expected) {
    const seen = events.filter((e) => e.event.subject === no).map((e) => e.event.data.state);
    expect(seen, no).toEqual(codes.map((c) => stateOf[c]));
  }
}, 120_000);
