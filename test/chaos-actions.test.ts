// The chaos run's action orders (chaos/actions.ts): which orders wait for llrecon's capture or void, and the check
// that each action reached LianLian at most once.
import { expect, it } from 'vitest';
import { checkActions, markActionOrders } from '../chaos/actions.js';
import { makeOrders } from '../chaos/orders.js';

it('marks every n-th order that goes on from PR07, which then waits at PR07', () => {
  const orders = makeOrders({ count: 40, answersPerStep: 3, notifyEvery: 0, tag: 'T', nowMs: Date.now() });
  const marked = markActionOrders(orders, 2);
  expect(marked.length).toBeGreaterThan(5);
  for (const { order, kind } of marked) {
    const at = order.path.codes.indexOf('PR07');
    expect(order.timeline[at]).toEqual({ code: 'PR07' });
    expect(kind).toBe(order.path.codes[at + 1] === 'PR12' ? 'capture' : 'void');
    expect(order.expectedStates.at(-1)).toBe(kind === 'capture' ? 'captured' : 'voided');
  }
  expect(markActionOrders(makeOrders({ count: 8, answersPerStep: 3, notifyEvery: 0, tag: 'U', nowMs: 0 }), 0)).toEqual([]);
});

it('fails an action sent twice, never sent, or a change not via the action', () => {
  const orders = makeOrders({ count: 16, answersPerStep: 3, notifyEvery: 0, tag: 'V', nowMs: Date.now() });
  const marked = markActionOrders(orders, 1).slice(0, 2);
  const [a, b] = marked.map((m) => m.order.no_order) as [string, string];
  const none = new Map();
  expect(checkActions(marked, { [a]: 1, [b]: 1 }, none, { accepted: 2, refused: [] }).pass).toBe(true);
  expect(checkActions(marked, { [a]: 2, [b]: 1 }, none, { accepted: 2, refused: [] }).detail).toMatch(/2 times/);
  expect(checkActions(marked, { [a]: 1 }, none, { accepted: 2, refused: [] }).detail).toMatch(/never reached/);
  const kind = marked[0]?.kind === 'capture' ? 'captured' : 'voided';
  const viaPoll = new Map([[a, [{ data: { state: kind, via: 'poll' } }]]]) as never;
  expect(checkActions(marked, { [a]: 1, [b]: 1 }, viaPoll, { accepted: 2, refused: [] }).pass).toBe(false);
});

it("takes the action's changes up to the one that settles it: after a failed action the order's own life may go on via poll", () => {
  const orders = makeOrders({ count: 16, answersPerStep: 3, notifyEvery: 0, tag: 'W', nowMs: Date.now() });
  const [m] = markActionOrders(orders, 1).filter((x) => x.kind === 'capture');
  if (m === undefined) throw new Error('no capture order among 16');
  const no = m.order.no_order;
  const ev = (state: string, via: string) => ({ data: { state, via } });
  const failedThenPoll = new Map([
    [no, [ev('capturing', 'capture'), ev('capture_failed', 'capture'), ev('capturing', 'poll'), ev('captured', 'poll')]],
  ]);
  expect(checkActions([m], { [no]: 1 }, failedThenPoll as never, { accepted: 1, refused: [] }).pass).toBe(true);
  const failedViaPoll = new Map([[no, [ev('capturing', 'capture'), ev('capture_failed', 'poll')]]]);
  expect(checkActions([m], { [no]: 1 }, failedViaPoll as never, { accepted: 1, refused: [] }).pass).toBe(false);
});

it('excuses an action that never reached LianLian only when llrecon recorded it lost in a crash before it left', () => {
  const orders = makeOrders({ count: 16, answersPerStep: 3, notifyEvery: 0, tag: 'X', nowMs: Date.now() });
  const [m] = markActionOrders(orders, 1);
  if (m === undefined) throw new Error('no action order among 16');
  const none = new Map();
  expect(checkActions([m], {}, none, { accepted: 1, refused: [] }).pass).toBe(false);
  const excused = checkActions([m], {}, none, { accepted: 1, refused: [] }, new Set([m.order.no_order]));
  expect(excused.pass).toBe(true);
  expect(excused.detail).toMatch(/1 killed before leaving/);
});
