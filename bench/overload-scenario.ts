// One run of the overload scenario against one polling mode: a real engine (createEngine, ROLES=query) at a rate
// cap the schedule asks several times over, the recording simulator (bench/overload-simulator.ts) in its own
// process, a redis-server of the bench's own. The orders:
//   authorized    answer PR07 forever: the bulk that nothing happens to, each asking for a query per repeat delay
//   active        answer 2003 / PR08 / PR09 forever (created, verifying, authorizing: something is happening)
//   near deadline answer PR07, hold ending 30 min after the start (the last hour of the hold: also urgent)
//   re-queried    answer PR07; the bench calls engine.requery on them (confirming queries)
//   new           tracked during the run at a steady rate; answer 2003 twice, then PR07
// A warm-up engine without a cap gives every initial order its first answer (pending → its state), so that the
// measured engine starts from orders in their classes; then the measured engine runs with the cap, new orders
// arrive and re-queries are asked, and after `settleSec` the window of `seconds` is measured.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'prom-client';
import type { RunningEngine } from '../src/engine.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import type { Step } from '../src/sandbox/timeline.js';
import { batches, benchOrders, createBenchEngine, waitUntil, type KeySet } from './harness.js';
import { POLL_LAG_METRIC } from '../workers/poll-worker.js';
import { answeredLagMean, overloadFigures, type OrderTrace, type OverloadFigures } from './overload-stats.js';
import { startOverloadSimulator } from './overload-simulator.js';

/**
 * The polling modes the scenario can run against: a label and the settings (environment) that select it on top of
 * the scenario's own. Today's polling is the only one; budget-aware polling (issue 12) adds its entry here.
 */
export const MODES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'first-come': {},
};

/** How big the scenario is. */
export interface ScenarioSize {
  /** QUERY_RATE_PER_SEC. */
  cap: number;
  /** POLL_SCHEDULE: its last entry is the repeat. */
  schedule: string;
  /** QUERY_CONCURRENCY of the measured engine. */
  concurrency: number;
  authorized: number;
  active: number;
  nearDeadline: number;
  requeried: number;
  /** New orders tracked per second during the run. */
  arrivalsPerSec: number;
  /** engine.requery calls per second during the run. */
  requeriesPerSec: number;
  /** Seconds of the run before the measured window. */
  settleSec: number;
  /** The measured window, seconds. */
  seconds: number;
}

/** What one run measured. */
export interface ScenarioResult {
  mode: string;
  figures: OverloadFigures;
  /** Routine polls due and waiting for a worker (BullMQ `wait`) at the window's end. */
  waitingAtEnd: number;
  newOrders: number;
  requeries: number;
  warmupSeconds: number;
  /** The mean routine poll lag since the measured engine started: its llrecon_poll_lag_seconds, and this replay's. */
  lagCheck: { metric: { n: number; meanMs: number }; replay: { n: number; meanMs: number } };
}

/** llrecon_poll_lag_seconds of `engine` as a count and a mean (ms). */
async function lagMetric(engine: RunningEngine): Promise<{ n: number; meanMs: number }> {
  const metric = engine.metrics.registry.getSingleMetric(POLL_LAG_METRIC) as Histogram | undefined;
  const values = metric ? (await metric.get()).values : [];
  const total = (suffix: string) => values.filter((v) => v.metricName === `${POLL_LAG_METRIC}${suffix}`).reduce((a, v) => a + v.value, 0);
  const n = total('_count');
  return { n, meanMs: n === 0 ? NaN : (total('_sum') * 1000) / n };
}

const META = { source: 'embed', actor: 'bench' } as const;
const TICK_MS = 100;
const HOLD_LEFT_MIN = 30;

/** Orders of one kind, as the simulator takes them (with their timeline) and as track takes them. */
function kind(keys: KeySet, prefix: string, count: number, dtMs: number, timeline: Step[], validOrder?: number) {
  return benchOrders(prefix, count, dtMs).map((o) => ({
    track: validOrder === undefined ? o : { ...o, valid_order: validOrder },
    sim: { ...o, oid_partner: keys.oidPartner, timeline } satisfies NewOrder,
  }));
}

type Kind = ReturnType<typeof kind>;

/** Tracks `orders` in batches of 1000 and notes when each batch was posted. */
async function trackAll(engine: RunningEngine, orders: Kind, traces: Map<string, OrderTrace>, deadline: number | null): Promise<void> {
  for (const body of batches(
    orders.map((o) => o.track),
    1000,
  )) {
    const trackedAt = Date.now();
    const r = await engine.track(body, META);
    if (r.accepted.length !== body.orders.length) throw new Error(`overload: ${r.duplicates.length} orders not accepted`);
    for (const o of body.orders)
      traces.set(o.no_order, { no: o.no_order, trackedAt, deadline, confirmTarget: false, requeries: [], answers: [] });
  }
}

/** Runs the scenario against `mode` once; `progress` gets a line per phase. */
export async function runScenario(
  o: { keys: KeySet; redisUrl: string; dataDir: string; mode: string; size: ScenarioSize },
  progress: (line: string) => void,
): Promise<ScenarioResult> {
  const modeEnv = MODES[o.mode];
  if (modeEnv === undefined) throw new Error(`overload: no mode ${o.mode} (known: ${Object.keys(MODES).join(', ')})`);
  const s = o.size;
  const now = Date.now();
  const forever = (code: string): Step[] => [{ code }];
  const runSec = s.settleSec + s.seconds;
  const holdStartMs = now - 60_000 * (120 - HOLD_LEFT_MIN);
  const authorized = kind(o.keys, 'OA', s.authorized, now, forever('PR07'));
  const active = ['2003', 'PR08', 'PR09'].flatMap((code, i) =>
    kind(o.keys, `OI${i}`, Math.floor(s.active / 3) + (i < s.active % 3 ? 1 : 0), now, forever(code)),
  );
  const near = kind(o.keys, 'OD', s.nearDeadline, holdStartMs, forever('PR07'), 120);
  const requeried = kind(o.keys, 'OC', s.requeried, now, forever('PR07'));
  const arriving = kind(o.keys, 'ON', Math.ceil(s.arrivalsPerSec * runSec) + 10, now, [
    { code: '2003', after: { queries: 2 } },
    { code: 'PR07' },
  ]);

  const sim = await startOverloadSimulator(o.keys);
  const traces = new Map<string, OrderTrace>();
  const prefix = `bench-overload-${randomBytes(3).toString('hex')}`;
  const engineFor = (env: Record<string, string>) =>
    createBenchEngine({ keys: o.keys, redisUrl: o.redisUrl, prefix, queryUrl: sim.queryUrl, dataDir: o.dataDir, env });
  try {
    await sim.addOrders([...authorized, ...active, ...near, ...requeried, ...arriving].map((k) => k.sim));

    // warm-up: every initial order answered once, without a cap, so each is in its class when the cap starts
    const warm = await engineFor({ ROLES: 'query', QUERY_RATE_PER_SEC: '100000', QUERY_CONCURRENCY: '50', POLL_SCHEDULE: s.schedule });
    const warm0 = Date.now();
    try {
      progress(`${o.mode}: tracking ${authorized.length + active.length + near.length + requeried.length} orders, warm-up without a cap`);
      await trackAll(warm, authorized, traces, null);
      await trackAll(warm, active, traces, null);
      await trackAll(warm, near, traces, holdStartMs + 120 * 60_000);
      await trackAll(warm, requeried, traces, null);
      for (const r of requeried) (traces.get(r.track.no_order) as OrderTrace).confirmTarget = true;
      await warm.start();
      const pending = warm.ctx.ks.stateIndex('pending');
      await waitUntil('the warm-up', async () => (await warm.ctx.redis.zcard(pending)) === 0, 900_000, 200);
    } finally {
      await warm.close();
    }
    const warmupSeconds = (Date.now() - warm0) / 1000;

    const engine = await engineFor({
      ROLES: 'query',
      QUERY_RATE_PER_SEC: String(s.cap),
      QUERY_CONCURRENCY: String(s.concurrency),
      POLL_SCHEDULE: s.schedule,
      ...modeEnv,
    });
    let waitingAtEnd = 0;
    let metric = { n: 0, meanMs: NaN };
    let newOrders = 0;
    let requeries = 0;
    const t0 = Date.now();
    const window = { from: t0 + s.settleSec * 1000, to: t0 + runSec * 1000 };
    try {
      await engine.start();
      progress(`${o.mode}: measured engine started (cap ${s.cap}/s); settling ${s.settleSec} s, then measuring ${s.seconds} s`);
      while (Date.now() < window.to) {
        const elapsedSec = (Date.now() - t0) / 1000;
        const dueNew = Math.min(arriving.length, Math.floor(elapsedSec * s.arrivalsPerSec));
        if (dueNew > newOrders) {
          const next = arriving.slice(newOrders, dueNew);
          newOrders = dueNew;
          await trackAll(engine, next, traces, null);
        }
        const dueRequeries = Math.floor(elapsedSec * s.requeriesPerSec);
        for (; requeries < dueRequeries && requeried.length > 0; requeries++) {
          const target = requeried[requeries % requeried.length] as Kind[number];
          const at = Date.now();
          if (await engine.requery(target.track.no_order, META)) (traces.get(target.track.no_order) as OrderTrace).requeries.push(at);
        }
        await sleep(TICK_MS);
      }
      waitingAtEnd = await engine.ctx.queues.poll.getWaitingCount();
      metric = await lagMetric(engine);
    } finally {
      await engine.close();
    }
    for (const [no, at, retCode] of await sim.queries()) traces.get(no)?.answers.push({ at, retCode });
    const schedule = engine.ctx.config.pollSchedule ?? [];
    const newTraces = arriving.flatMap((a) => traces.get(a.track.no_order) ?? []);
    const replay = answeredLagMean([...traces.values()], schedule, { from: t0, to: window.to });
    return {
      mode: o.mode,
      figures: overloadFigures([...traces.values()], newTraces, schedule, window),
      waitingAtEnd,
      newOrders,
      requeries,
      warmupSeconds,
      lagCheck: { metric, replay },
    };
  } finally {
    await sim.stop();
  }
}

/** The queries/s the schedule asks for once every order is on its repeat (open orders ÷ the last delay). */
export function repeatDemand(s: ScenarioSize, schedule: readonly number[]): number {
  const repeatSec = (schedule[schedule.length - 1] ?? 1000) / 1000;
  const open = s.authorized + s.active + s.nearDeadline + s.requeried + (s.arrivalsPerSec * (s.settleSec + s.seconds)) / 2;
  return open / repeatSec;
}
