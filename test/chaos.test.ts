// The chaos suite, reduced (chaos/scenario.ts; `npm run chaos` runs it big): 160 orders through an API process
// and two query/notify worker processes that are SIGKILLed again and again, 20 % faults at the simulator, a Redis
// crash and a 3 s Redis outage, in about a minute. Every check of the run must hold.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGrantsAtRedis, checkLogsClean, checkRateCap, checkSequences, eventsByOrder, maxInWindow } from '../chaos/checks.js';
import { planStale } from '../chaos/faults.js';
import { CHAOS_PATHS, makeOrders } from '../chaos/orders.js';
import { formatReport } from '../chaos/report.js';
import { runChaos, type ChaosOptions, type ChaosReport } from '../chaos/scenario.js';
import { generateKeyPair, importPrivateKey } from '../src/lianlian/keys.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import type { CloudEvent } from '../src/store/cloud-event.js';
import { registerSecrets, testLogDir } from './support/log-capture.js';

const OPTIONS: ChaosOptions = {
  orders: 160,
  faultRate: 0.2,
  queryRatePerSec: 100,
  // the whole suite shares two cores with this run: a process can be paused past the limiter's 100 ms margin
  observationSlackMs: 100,
  queryConcurrency: 8,
  queryTimeout: '1s',
  pollSchedule: '100ms',
  latencyMs: 300,
  lockMs: 1500,
  answersPerStep: 4,
  notifyEvery: 2,
  warmupOrders: 24,
  warmupMs: 2000,
  trackWaves: 2,
  trackOverMs: 4000,
  chaosMs: 16_000,
  killEveryMs: [2000, 4500],
  redisRestartAtMs: 4000,
  outageAtMs: 8000,
  outageMs: 3000,
  forgedCallbacks: 4,
  settleMs: 40_000,
  quietMs: 1500,
  keyBits: 1024,
  // the processes log into the test run's log directory, so the log scan after the suite reads them too
  logDir: testLogDir(),
  registerSecrets,
};

describe('chaos: kills, Redis crash and outage, 20 % faults', () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos(OPTIONS);
    // the whole report, with the log files to look at, for whoever reads a failure
    if (!report.passed) process.stderr.write(`${formatReport(report, OPTIONS)}\n`);
  }, 120_000);

  const check = (prefix: string) => {
    const c = report.checks.find((x) => x.name.startsWith(prefix));
    expect(c, `no check named "${prefix}…"`).toBeDefined();
    return c as NonNullable<typeof c>;
  };

  it('really happened: workers killed and restarted, faults seen, Redis went away twice, callbacks both ways', () => {
    const f = report.figures;
    expect(f.workerKills).toBeGreaterThanOrEqual(4);
    expect(f.workerStarts).toBeGreaterThanOrEqual(f.workerKills + 2);
    for (const kind of [
      'http5xx',
      'unsigned9999',
      'malformed',
      'badSignature',
      'stall (timeout)',
      'swapped (untrusted)',
      'stale (regression)',
    ])
      expect(f.failuresSeen[kind] ?? 0, kind).toBeGreaterThan(0);
    expect(f.redisRestart.downMs).toBeGreaterThan(0);
    expect(f.outage.downMs).toBeGreaterThanOrEqual(OPTIONS.outageMs);
    expect(f.eventsByVia.notify ?? 0).toBeGreaterThan(0);
    expect(f.callbacks.forgedSent).toBe(OPTIONS.forgedCallbacks);
  });

  it('every order ends final, in the state its life ended in', () => {
    const c = check('every order final');
    expect(c.pass, c.detail).toBe(true);
  });

  it("each order's events are exactly its scripted changes, once each, in order", () => {
    const c = check('events per order');
    expect(c.pass, c.detail).toBe(true);
  });

  it('no event without a signed answer behind it', () => {
    const c = check('no event without');
    expect(c.pass, c.detail).toBe(true);
  });

  it('nothing lost: every order accepted, recorded, no poll job failed for good', () => {
    const c = check('nothing lost');
    expect(c.pass, c.detail).toBe(true);
  });

  it('event ids are unique', () => {
    const c = check('event ids unique');
    expect(c.pass, c.detail).toBe(true);
  });

  it('the query cap held as LianLian saw it (within 100 ms of observation slack; exact in the full run)', () => {
    const c = check('query rate');
    expect(c.pass, c.detail).toBe(true);
  });

  it("the query cap held exactly in every sliding second of Redis's clock", () => {
    const c = check('query starts granted');
    expect(c.pass, c.detail).toBe(true);
  });

  it('genuine callbacks led to confirming queries; forged ones were rejected and recorded once', () => {
    const c = check('callbacks');
    expect(c.pass, c.detail).toBe(true);
  });

  it('the logs of every process hold no secret, key, signature or card number', () => {
    const c = check('logs hold no secret');
    expect(c.pass, c.detail).toBe(true);
  });

  it('processes rode out kills and Redis going away, and reconnected on their own', () => {
    const c = check('processes rode out');
    expect(c.pass, c.detail).toBe(true);
  });
});

describe('the chaos checks themselves', () => {
  const oid = '202611240000000001';
  const [order] = makeOrders({ count: 1, answersPerStep: 4, notifyEvery: 0, tag: 'x', nowMs: Date.UTC(2026, 10, 24) });
  const o = order as NonNullable<typeof order>;
  const event = (state: string, previous: string, n: number): CloudEvent =>
    ({
      id: `${oid}:${o.no_order}:${n}:${state}`,
      subject: o.no_order,
      data: { state, previous_state: previous, via: 'poll' },
    }) as unknown as CloudEvent;
  const asScripted = o.expectedStates.map((s, i) => event(s, i === 0 ? 'pending' : (o.expectedStates[i - 1] as string), i + 1));

  it('pass the scripted sequence, and catch a state going back, a repeat and a gap', () => {
    expect(o.expectedStates).toEqual(['created', 'authorizing', 'authorized', 'capturing', 'captured']);
    expect(checkSequences([o], eventsByOrder(asScripted), oid).pass).toBe(true);
    const back = [
      ...asScripted.slice(0, 4),
      event('authorized', 'capturing', 5),
      event('capturing', 'authorized', 6),
      event('captured', 'capturing', 7),
    ];
    expect(checkSequences([o], eventsByOrder(back), oid).pass).toBe(false);
    expect(checkSequences([o], eventsByOrder([...asScripted, asScripted[4] as CloudEvent]), oid).pass).toBe(false);
    expect(checkSequences([o], eventsByOrder(asScripted.filter((_, i) => i !== 2)), oid).pass).toBe(false);
    // a stale answer applied: one extra change back and forth
    const stale = [...asScripted.slice(0, 3), event('authorizing', 'authorized', 4), event('authorized', 'authorizing', 5)];
    expect(checkSequences([o], eventsByOrder(stale), oid).pass).toBe(false);
    // an id without its state, or naming another one
    const renamed = asScripted.map((e, i) => (i === 1 ? ({ ...e, id: `${oid}:${o.no_order}:2` } as CloudEvent) : e));
    expect(checkSequences([o], eventsByOrder(renamed), oid).pass).toBe(false);
  });

  it('plan stale answers only for lives that move to a later phase at every step', () => {
    const lives = makeOrders({ count: CHAOS_PATHS.length, answersPerStep: 4, notifyEvery: 0, tag: 'y', nowMs: Date.UTC(2026, 10, 24) });
    const sim = new LianLianSimulator({ lianlianPrivateKey: importPrivateKey(generateKeyPair(1024).privatePem), merchants: [] });
    const named = lives.filter((l) => planStale(sim, { ...l, oid_partner: oid }, 0.2)).map((l) => l.path.name);
    expect(named).toEqual(['captured', 'voided', 'auth_failed', 'expired', 'captured directly']);
  });

  it('find a leaked secret, key, card number or signature in the logs', () => {
    const clean = '{"msg":"order state changed","no_order":"A1"}\n{"msg":"query failed"}';
    expect(checkLogsClean(clean, ['s3cret-token'], ['6222021234567890123']).pass).toBe(true);
    expect(checkLogsClean('', [], []).pass).toBe(false);
    expect(checkLogsClean(`${clean}\n{"token":"s3cret-token"}`, ['s3cret-token'], []).pass).toBe(false);
    expect(checkLogsClean(`${clean}\n{"card":"6222021234567890123"}`, [], ['6222021234567890123']).pass).toBe(false);
    expect(checkLogsClean(`${clean}\n-----BEGIN RSA PRIVATE KEY-----`, [], []).pass).toBe(false);
    expect(checkLogsClean(`${clean}\n{"sign":"${'A'.repeat(172)}"}`, [], []).pass).toBe(false);
  });

  it('count arrivals in sliding windows, and fail the observed cap when one second holds more', () => {
    const t = [0, 500, 999, 1000, 1499, 2600];
    expect(maxInWindow(t, 1000)).toBe(4); // 500, 999, 1000, 1499
    expect(maxInWindow(t, 500)).toBe(2);
    const atCap = Array.from({ length: 10 }, (_, i) => i * 95); // 10 queries within 855 ms
    expect(checkRateCap(atCap, 10).pass).toBe(true);
    expect(checkRateCap([...atCap, 880], 10).pass).toBe(false); // 11 in one second
    expect(checkRateCap([...atCap, 1000], 10).pass).toBe(true); // the window slides past 0: 95…1000 holds 10
    expect(checkRateCap([...atCap, 950], 10, 100).pass).toBe(true); // 11 in 1000 ms, but at most 10 in any 900 ms
    expect(
      checkRateCap(
        [...atCap, 850].sort((a, b) => a - b),
        10,
        100,
      ).pass,
    ).toBe(false); // 11 within 900 ms
    const granted = [...atCap, 880];
    expect(checkGrantsAtRedis(granted, granted, 10, 0).pass).toBe(false); // on Redis's clock: exact
    expect(checkGrantsAtRedis(atCap, atCap, 10, 0).pass).toBe(true);
    const missed = checkGrantsAtRedis(atCap, granted, 10, 0); // a query whose grant the watch never saw
    expect(missed.pass).toBe(false);
    expect(missed.detail).toContain('missed');
  });
});
