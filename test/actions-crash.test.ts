// kill -9 between sending an action and recording its answer: the restarted process never sends it again; it
// treats the answer as lost, confirms by query, and the state LianLian reports decides. Real child processes.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { eventsOf } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { killAllWorkers, spawnWorker } from './support/worker-spawn.js';

let stack: Stack;
const WORKER_ENV = { ACTIONS_ENABLED: 'true', QUERY_TIMEOUT: '1s', POLL_SCHEDULE: '200ms' };

beforeAll(async () => {
  // this process records actions (the API's part); the sending and querying run in child processes
  stack = await startStack({ env: { ROLES: 'api', ACTIONS_ENABLED: 'true' } });
});
afterAll(async () => {
  killAllWorkers();
  await stack?.close();
});

async function authorizedOrder(no: string): Promise<void> {
  const dt = formatLianLianTime(Date.now());
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '66.00',
    timeline: [{ code: 'PR07' }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '66.00', user_id: 'payer' }, { source: 'embed' });
}

async function kill(w: ChildProcess): Promise<void> {
  w.kill('SIGKILL');
  await new Promise((r) => w.once('exit', r));
}

it('SIGKILL after the capture left and before its answer was recorded: still one request, the order ends captured via capture', async () => {
  const no = `KILLCAP${Date.now()}`;
  await authorizedOrder(no);
  const first = await spawnWorker(stack, WORKER_ENV);
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized', 20_000);
  // LianLian takes the capture, and its answer never comes back: the worker waits for it when it is killed
  stack.simulator.injectActionFault({ kind: 'lost', as: 'stall' }, { no_order: no, times: 1 });
  const { action_id } = await stack.engine.actions!.request({
    kind: 'capture',
    no_order: no,
    reason: 'crash test',
    actor: 'test',
    source: 'api',
  });
  await waitFor(() => stack.simulator.actions.count(no) === 1, 20_000);
  await kill(first);
  expect((await stack.engine.actions!.get(action_id))?.status).toBe('sending');

  await spawnWorker(stack, WORKER_ENV);
  await waitFor(async () => (await stack.engine.actions!.get(action_id))?.status === 'done', 40_000, 100);
  const a = await stack.engine.actions!.get(action_id);
  expect(a?.error).toBe('crash');
  expect(stack.simulator.actions.count(no)).toBe(1);
  expect((await stack.engine.store.get(no))?.state).toBe('captured');
  const captured = (await eventsOf(stack, no)).filter((e) => e.event.data.state === 'captured');
  expect(captured).toHaveLength(1);
  expect(captured[0]?.event.data.via).toBe('capture');
  const history = await stack.engine.store.history(no);
  expect(history.some((h) => h.kind === 'action' && h.action === 'capture.answer' && /outcome unknown/.test(h.reason ?? ''))).toBe(true);
}, 120_000);

it('SIGKILL while a void was being sent that never reached LianLian: never re-sent, the order stays authorized, a new action waits', async () => {
  const no = `KILLVOID${Date.now()}`;
  await authorizedOrder(no);
  const first = await spawnWorker(stack, WORKER_ENV);
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized', 20_000);
  stack.simulator.injectActionFault({ kind: 'stall' }, { no_order: no, times: 1 });
  const { action_id } = await stack.engine.actions!.request({
    kind: 'void',
    no_order: no,
    reason: 'crash test',
    actor: 'test',
    source: 'api',
  });
  await waitFor(() => stack.simulator.actions.count(no) === 1, 20_000);
  await kill(first);
  await spawnWorker(stack, WORKER_ENV);
  await waitFor(async () => (await stack.engine.actions!.get(action_id))?.status === 'lost', 40_000, 100);
  const polls = (await stack.engine.store.get(no))?.polls ?? 0;
  await waitFor(async () => ((await stack.engine.store.get(no))?.polls ?? 0) >= polls + 2, 20_000);
  expect((await stack.engine.store.get(no))?.state).toBe('authorized');
  expect(stack.simulator.actions.count(no)).toBe(1);
  await expect(
    stack.engine.actions!.request({ kind: 'void', no_order: no, reason: 'again', actor: 'test', source: 'api' }),
  ).rejects.toMatchObject({
    code: 'LLRECON_ACTION_NOT_ALLOWED',
  });
}, 120_000);
