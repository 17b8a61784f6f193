// The overload benchmark's arithmetic (bench/overload-stats.ts): urgency classes, percentiles, and each poll's lag
// rebuilt from an order's answers by POLL_SCHEDULE's rules (step 0 after tracking and after a change of state).
import { describe, expect, it } from 'vitest';
import {
  answeredLagMean,
  firstQueries,
  overloadFigures,
  quantile,
  replayOrder,
  routineClass,
  type OrderTrace,
} from '../bench/overload-stats.js';

const SCHEDULE = [5_000, 30_000];
const HOUR = 3_600_000;

function trace(over: Partial<OrderTrace>): OrderTrace {
  return { no: 'O1', trackedAt: 0, deadline: null, confirmTarget: false, requeries: [], answers: [], ...over };
}

describe('urgency classes', () => {
  it('puts in-flight states and the last hour of a hold ahead of authorized orders', () => {
    expect(routineClass('pending', null, 0)).toBe('active');
    expect(routineClass('capture_failed', null, 0)).toBe('active');
    expect(routineClass('authorized', null, 0)).toBe('authorized');
    expect(routineClass('authorized', 2 * HOUR, 0)).toBe('authorized');
    expect(routineClass('authorized', HOUR, 0)).toBe('active');
    expect(routineClass('authorized', 0, HOUR)).toBe('active'); // past its deadline
    expect(routineClass('captured', null, 0)).toBeNull();
  });
});

describe('quantile', () => {
  it('takes the nearest rank, and NaN of nothing', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('replaying an order against the schedule', () => {
  // tracked at 0: first poll due at 5 s; PR07 changes pending → authorized (step 0: next due 5 s after), the next
  // PR07 changes nothing (step 1: the 30 s repeat)
  const answers = [
    { at: 5_100, retCode: 'PR07' },
    { at: 10_300, retCode: 'PR07' },
    { at: 45_300, retCode: 'PR07' },
  ];

  it("gives each answer's lag behind its due time, by the class the order was in", () => {
    const f = replayOrder(trace({ answers }), SCHEDULE, { from: 0, to: 60_000 });
    expect(f.lags).toEqual([
      { cls: 'active', ms: 100, waiting: false },
      { cls: 'authorized', ms: 200, waiting: false },
      { cls: 'authorized', ms: 5_000, waiting: false },
    ]);
    expect(f.worstGap).toEqual({ gapMs: 35_000, scheduledMs: 30_000, open: false });
  });

  it('counts only answers inside the window, and what is still due at its end', () => {
    const f = replayOrder(trace({ answers }), SCHEDULE, { from: 10_000, to: 45_000 });
    // the poll due at 40.3 s and answered at 45.3 s is still waiting when this window ends at 45 s
    expect(f.lags).toEqual([
      { cls: 'authorized', ms: 200, waiting: false },
      { cls: 'authorized', ms: 4_700, waiting: true },
    ]);
  });

  it("counts a poll still waiting at the window's end with its wait so far, and its open gap", () => {
    const f = replayOrder(trace({ answers }), SCHEDULE, { from: 0, to: 100_000 });
    expect(f.lags.at(-1)).toEqual({ cls: 'authorized', ms: 100_000 - 75_300, waiting: true });
    expect(f.worstGap).toEqual({ gapMs: 100_000 - 45_300, scheduledMs: 30_000, open: true });
  });

  it('starts the schedule over at each change of state', () => {
    const created = [
      { at: 5_000, retCode: '2003' }, // pending → created: next in 5 s
      { at: 10_000, retCode: '2003' }, // same: step 1, next in 30 s
      { at: 41_000, retCode: 'PR07' }, // created → authorized, 1 s late: next in 5 s
      { at: 46_000, retCode: 'PR07' },
    ];
    const f = replayOrder(trace({ answers: created }), SCHEDULE, { from: 0, to: 50_000 });
    expect(f.lags.map((l) => [l.cls, l.ms])).toEqual([
      ['active', 0],
      ['active', 0],
      ['active', 1_000],
      ['authorized', 0],
    ]);
  });

  it("times a re-queried order's confirming queries from the request to the next answer, and nothing else", () => {
    const f = replayOrder(
      trace({
        confirmTarget: true,
        requeries: [20_000, 50_000],
        answers: [...answers, { at: 20_250, retCode: 'PR07' }].sort((a, b) => a.at - b.at),
      }),
      SCHEDULE,
      { from: 0, to: 60_000 },
    );
    expect(f.lags).toEqual([]);
    expect(f.worstGap).toBeNull();
    expect(f.confirms).toEqual([
      { ms: 250, answered: true },
      { ms: 10_000, answered: false },
    ]);
  });
});

describe('the mean lag of answered polls (checked against llrecon_poll_lag_seconds)', () => {
  it('averages every class, leaving out what is still waiting and re-queried orders', () => {
    const answers = [
      { at: 5_100, retCode: 'PR07' },
      { at: 10_300, retCode: 'PR07' },
      { at: 45_300, retCode: 'PR07' },
    ];
    const orders = [trace({ answers }), trace({ no: 'C', confirmTarget: true, requeries: [1_000], answers })];
    expect(answeredLagMean(orders, SCHEDULE, { from: 0, to: 100_000 })).toEqual({ n: 3, meanMs: (100 + 200 + 5_000) / 3 });
    expect(answeredLagMean([], SCHEDULE, { from: 0, to: 1 }).meanMs).toBeNaN();
  });
});

describe("new orders' first query", () => {
  it('takes orders tracked in the window, an unanswered one counted to its end', () => {
    const orders = [
      trace({ no: 'A', trackedAt: 1_000, answers: [{ at: 7_000, retCode: '2003' }] }),
      trace({ no: 'B', trackedAt: 50_000 }),
      trace({ no: 'C', trackedAt: -1, answers: [{ at: 4_000, retCode: '2003' }] }),
    ];
    expect(firstQueries(orders, { from: 0, to: 60_000 })).toEqual({ ms: [6_000, 10_000], unanswered: 1 });
  });
});

describe('a run', () => {
  it('sums the classes, the queries per second and the worst-served authorized order', () => {
    const steady = (no: string, gap: number): OrderTrace =>
      trace({
        no,
        answers: [{ at: 5_000, retCode: 'PR07' }, ...Array.from({ length: 5 }, (_, i) => ({ at: 10_000 + i * gap, retCode: 'PR07' }))],
      });
    const fresh = trace({ no: 'N', trackedAt: 10_000, answers: [{ at: 16_000, retCode: 'PR07' }] });
    const f = overloadFigures([steady('A', 30_000), steady('B', 40_000), fresh], [fresh], SCHEDULE, { from: 0, to: 200_000 });
    expect(f.queriesPerSec).toBeCloseTo(13 / 200, 6);
    // N, authorized at 16 s and due 5 s later, is never polled again: the worst served, relative to its schedule
    expect(f.worst).toEqual({ no: 'N', gapMs: 200_000 - 16_000, scheduledMs: 5_000, open: true });
    expect(f.lag.active.n).toBe(3); // each order's first poll, while pending
    // A: 5 answered + 1 due at 160 s still waiting; B: 5 answered (next due at 200 s: the end); N: 1 waiting
    expect(f.lag.authorized.n).toBe(12);
    expect(f.waiting).toEqual({ confirming: 0, active: 0, authorized: 2 });
    expect(f.lag.authorized.p99).toBe(200_000 - 21_000);
    expect(f.firstQuery).toMatchObject({ n: 1, p50: 6_000, scheduledMs: 5_000, unanswered: 0 });
  });
});
