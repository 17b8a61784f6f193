// The polling policy: POLL_SCHEDULE used exactly as written, the default families, tightening near the hold's
// deadline, and failure delays that are never faster than the schedule and bounded above.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, FAILURE_JITTER, failureDelay, scheduledDelay } from '../src/reconcile/schedule.js';
import { ORDER_STATES, type OrderState } from '../src/reconcile/states.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const FAR = NOW + 30 * 86_400_000;
const IN_FLIGHT: readonly OrderState[] = [
  'pending',
  'created',
  'verifying',
  'authorizing',
  'capturing',
  'voiding',
  'capture_failed',
  'void_failed',
];

function delay(state: OrderState, step: number, deadline: number | null = null, schedule: readonly number[] | null = null): number {
  return scheduledDelay({ state, step, now: NOW, deadline, schedule });
}

describe('POLL_SCHEDULE set: used exactly as written', () => {
  const schedule = [5 * S, 15 * S, 30 * S, 1 * M, 2 * M];

  it.each(ORDER_STATES)('in state %s, step n waits schedule[n], the last repeating', (state) => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((step) => delay(state, step, null, schedule))).toEqual([
      5 * S,
      15 * S,
      30 * S,
      1 * M,
      2 * M,
      2 * M,
      2 * M,
      2 * M,
    ]);
  });

  it('ignores the deadline: no tightening', () => {
    for (const deadline of [NOW, NOW + 10 * M, NOW - 10 * M]) expect(delay('authorized', 4, deadline, schedule)).toBe(2 * M);
  });

  it('a one-entry schedule is a fixed interval', () => {
    expect([0, 1, 9].map((step) => delay('authorized', step, null, [7 * S]))).toEqual([7 * S, 7 * S, 7 * S]);
  });

  it('the list starts over at a change of state: step 0 in the new state is the first delay again', () => {
    expect(delay('authorized', 12, null, schedule)).toBe(2 * M);
    expect(delay('capturing', 0, null, schedule)).toBe(5 * S);
  });
});

describe('default policy', () => {
  it('documents its numbers', () => {
    expect(DEFAULT_SCHEDULE.inFlight).toEqual([5 * S, 10 * S, 20 * S, 30 * S, 1 * M, 2 * M, 5 * M, 10 * M]);
    expect(DEFAULT_SCHEDULE.authorized).toEqual([1 * M, 5 * M, 15 * M, 30 * M, 1 * H]);
    expect(DEFAULT_SCHEDULE.deadline).toEqual({ before: 1 * H, after: 1 * H, floor: 30 * S, divisor: 4 });
  });

  it.each(IN_FLIGHT)('%s follows the in-flight family, the last repeating', (state) => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 50].map((step) => delay(state, step, FAR))).toEqual([
      5 * S,
      10 * S,
      20 * S,
      30 * S,
      1 * M,
      2 * M,
      5 * M,
      10 * M,
      10 * M,
      10 * M,
    ]);
  });

  it('authorized is sparser, the last repeating', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((step) => delay('authorized', step, FAR))).toEqual([
      1 * M,
      5 * M,
      15 * M,
      30 * M,
      1 * H,
      1 * H,
      1 * H,
    ]);
  });

  it('starts over at a change of state: step 0 of the new family', () => {
    expect(delay('authorized', 12, FAR)).toBe(1 * H);
    expect(delay('capturing', 0, FAR)).toBe(5 * S);
    expect(delay('created', 12, FAR)).toBe(10 * M);
    expect(delay('authorized', 0, FAR)).toBe(1 * M);
  });

  it('without a known deadline the family applies untouched', () => {
    expect(delay('authorized', 4, null)).toBe(1 * H);
    expect(delay('created', 7, null)).toBe(10 * M);
  });
});

describe('default policy near the deadline', () => {
  it.each([
    // [time to deadline, state, step, expected delay]
    [2 * H, 'authorized', 4, 1 * H], // outside the window
    [1 * H + 1, 'authorized', 4, 1 * H], // just outside
    [1 * H, 'authorized', 4, 15 * M], // at its start: an hour / 4
    [40 * M, 'authorized', 4, 10 * M],
    [4 * M, 'authorized', 4, 1 * M],
    [2 * M, 'authorized', 4, 30 * S], // a quarter is 30 s
    [1 * M, 'authorized', 4, 30 * S], // the floor
    [0, 'authorized', 4, 30 * S],
    [-1 * M, 'authorized', 4, 30 * S],
    [-20 * M, 'authorized', 4, 5 * M],
    [-1 * H, 'authorized', 4, 15 * M], // the window's end
    [-1 * H - 1, 'authorized', 4, 1 * H], // past it: the family again
    [-5 * H, 'authorized', 4, 1 * H],
    [10 * M, 'authorized', 0, 1 * M], // the policy delay is already shorter
    [10 * M, 'created', 0, 5 * S],
    [10 * M, 'created', 7, 150 * S],
    [1 * M, 'pending', 2, 20 * S],
  ] as const)('%i ms before the deadline, %s at step %i waits %i ms', (toDeadline, state, step, expected) => {
    expect(delay(state, step, NOW + toDeadline)).toBe(expected);
  });

  it('never lengthens the family delay, and inside the window never exceeds a quarter of the distance (or 30 s)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDER_STATES), fc.nat(20), fc.integer({ min: -3 * H, max: 3 * H }), (state, step, toDeadline) => {
        const tightened = delay(state, step, NOW + toDeadline);
        const plain = delay(state, step, null);
        expect(tightened).toBeLessThanOrEqual(plain);
        expect(Number.isInteger(tightened)).toBe(true);
        if (Math.abs(toDeadline) <= 1 * H) expect(tightened).toBeLessThanOrEqual(Math.max(30 * S, Math.ceil(Math.abs(toDeadline) / 4)));
        else expect(tightened).toBe(plain);
      }),
    );
  });
});

describe('failureDelay', () => {
  it('with the least random value is exactly the scheduled delay', () => {
    expect(failureDelay({ state: 'created', step: 3, now: NOW, deadline: FAR, schedule: null, random: () => 0 })).toBe(30 * S);
    expect(failureDelay({ state: 'created', step: 1, now: NOW, deadline: null, schedule: [2 * S, 4 * S], random: () => 0 })).toBe(4 * S);
  });

  it('with the greatest is at most 20 % later', () => {
    expect(FAILURE_JITTER).toBe(0.2);
    expect(failureDelay({ state: 'authorized', step: 9, now: NOW, deadline: null, schedule: null, random: () => 0.999999 })).toBe(
      Math.floor(1 * H * 1.199_999_8),
    );
    expect(failureDelay({ state: 'authorized', step: 9, now: NOW, deadline: null, schedule: null, random: () => 1 })).toBe(1.2 * H);
    expect(failureDelay({ state: 'created', step: 0, now: NOW, deadline: null, schedule: null, random: () => 0.5 })).toBe(5500);
  });

  it('a misbehaving random source cannot push it outside the bounds', () => {
    expect(failureDelay({ state: 'created', step: 0, now: NOW, deadline: null, schedule: null, random: () => -3 })).toBe(5 * S);
    expect(failureDelay({ state: 'created', step: 0, now: NOW, deadline: null, schedule: null, random: () => 7 })).toBe(6 * S);
  });

  it('is never below the schedule and never above it by more than the jitter, for any input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ORDER_STATES),
        fc.nat(30),
        fc.option(fc.integer({ min: -3 * H, max: 3 * H }), { nil: null }),
        fc.option(fc.array(fc.integer({ min: 1, max: 86_400_000 }), { minLength: 1, maxLength: 10 }), { nil: null }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (state, step, toDeadline, schedule, r) => {
          const p = { state, step, now: NOW, deadline: toDeadline === null ? null : NOW + toDeadline, schedule };
          const d = scheduledDelay(p);
          const f = failureDelay({ ...p, random: () => r });
          expect(Number.isInteger(f)).toBe(true);
          expect(f).toBeGreaterThanOrEqual(d);
          expect(f).toBeLessThanOrEqual(d * 1.2);
        },
      ),
    );
  });

  it('spreads failures of many orders over the jitter window', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const delays = new Set(
      Array.from({ length: 50 }, () => failureDelay({ state: 'created', step: 7, now: NOW, deadline: null, schedule: null, random })),
    );
    expect(delays.size).toBeGreaterThan(40);
  });
});
