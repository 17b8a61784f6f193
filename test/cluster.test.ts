// The same code on a real three-master Redis Cluster: every key hash-tagged under the prefix, one slot.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { startCluster, type TestCluster } from './support/cluster.js';
import { eventsOf } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let cluster: TestCluster;
let stack: Stack;

beforeAll(async () => {
  cluster = await startCluster();
  stack = await startStack({ http: true, env: { REDIS_URL: cluster.seedUrl, REDIS_CLUSTER: 'true', POLL_SCHEDULE: '30ms' } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
});

it('tracks, polls, confirms callbacks and emits events on a Redis Cluster', async () => {
  const dt = formatLianLianTime(Date.now());
  const no = `CL${Date.now()}`;
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '9.99',
    timeline: [{ code: 'PR07', after: { queries: 2 } }, { code: 'PR12', after: { queries: 2 } }, { code: 'PR11' }],
  });
  const r = await fetch(`${stack.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ no_order: no, dt_order: dt, money_order: '9.99' }),
  });
  expect(r.status).toBe(202);
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'captured', 20_000);
  expect((await eventsOf(stack, no)).map((e) => e.type)).toEqual(['preauth.authorized', 'preauth.updated', 'preauth.captured']);
  expect(stack.engine.ctx.ks.events).toBe(`{${stack.prefix}}:events`);
  // every key llrecon wrote lives in the one slot of the hash tag
  const keys = new Set<string>();
  for (const node of cluster.nodes) {
    const { Redis } = await import('ioredis');
    const c = new Redis(node.url);
    for (const k of await c.keys('*')) keys.add(k);
    await c.quit();
  }
  expect(keys.size).toBeGreaterThan(5);
  for (const k of keys) expect(k.startsWith(`{${stack.prefix}}:`), k).toBe(true);
}, 60_000);
