// `platform` (seed 000): an order's own, else LIANLIAN_PLATFORM, goes out in every signed query — and the simulator,
// which checks the signature over every field sent, believes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
const dt = formatLianLianTime(Date.now());
let seq = 0;

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '30ms', QUERY_RATE_PER_SEC: '500', LIANLIAN_PLATFORM: 'group.default' } });
});
afterAll(async () => stack?.close());

async function queriedWith(platform: string | undefined): Promise<{ sent: Record<string, unknown>; state: string }> {
  const no = `PF${Date.now()}${seq++}`;
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '9.00',
    timeline: [{ code: 'PR07' }],
  });
  const order = { no_order: no, dt_order: dt, money_order: '9.00', ...(platform === undefined ? {} : { platform }) };
  expect((await stack.engine.track(order, { source: 'embed' })).accepted).toEqual([no]);
  const state = await waitFor(async () => {
    const o = await stack.engine.store.get(no);
    return o?.state === 'authorized' ? o.state : null;
  }, 15_000);
  const sent = stack.simulator.lastQuery(no);
  expect(sent).not.toBeNull();
  return { sent: sent as Record<string, unknown>, state };
}

describe('platform in every signed query', () => {
  it("sends the order's own platform, signed (the simulator verified it and answered)", async () => {
    const { sent, state } = await queriedWith('shop.b');
    expect(sent.platform).toBe('shop.b');
    expect(typeof sent.sign).toBe('string');
    expect(state).toBe('authorized');
  });

  it('sends LIANLIAN_PLATFORM when the order has none', async () => {
    const { sent, state } = await queriedWith(undefined);
    expect(sent.platform).toBe('group.default');
    expect(state).toBe('authorized');
  });
});
