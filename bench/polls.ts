// Polls/s and CPU per poll of a real engine: createEngine with ROLES=query, a rate cap that never binds, a 1 ms
// schedule, and orders the simulator (in its own process) answers `PR07` (authorized) forever, so every order is
// polled again and again. After a warm-up (each order's first poll is a change of state; the rest are routine
// polls that change nothing), this process's CPU is measured over a fixed number of polls.
import { randomBytes } from 'node:crypto';
import type { RunningEngine } from '../src/engine.js';
import { batches, benchOrders, createBenchEngine, startCpuMeter, waitUntil, type KeySet, type SimulatorProcess } from './harness.js';

/** How a polls run is set up. */
export interface PollsOptions {
  keys: KeySet;
  sim: SimulatorProcess;
  redisUrl: string;
  dataDir: string;
  /** QUERY_CONCURRENCY (the poll worker's concurrency). */
  concurrency: number;
  /** Orders polled round and round. */
  orders: number;
  /** Polls before measuring (at least one per order, so the changes of state are out of the way). */
  warmupPolls: number;
  /** Polls measured. */
  polls: number;
}

/** What a polls run measured. */
export interface PollsResult {
  bits: number;
  concurrency: number;
  orders: number;
  polls: number;
  wallSeconds: number;
  pollsPerSec: number;
  /** This process's CPU (user + system) per poll, µs. */
  cpuUsPerPoll: number;
  userUsPerPoll: number;
  systemUsPerPoll: number;
  /** The simulator process's CPU per poll, µs (LianLian's share: not llrecon's, but it shares the cores). */
  simulatorCpuUsPerPoll: number;
  /** redis-server's CPU per poll (INFO cpu), µs: it shares the cores too. */
  redisCpuUsPerPoll: number;
  /** Queries by decide() outcome over the whole run, warm-up included (`same` expected, `change` once per order). */
  outcomes: Record<string, number>;
}

/** Completed polls so far: the engine's llrecon_queries_total, all labels. */
async function pollsDone(engine: RunningEngine): Promise<number> {
  const { values } = await engine.metrics.queries.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** redis-server's CPU so far (INFO cpu: used_cpu_user + used_cpu_sys), µs. */
async function redisCpuUs(engine: RunningEngine): Promise<number> {
  const info = await engine.ctx.redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

async function outcomesOf(engine: RunningEngine): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await engine.metrics.queries.get()).values) {
    const k = String(v.labels.outcome ?? '?');
    out[k] = (out[k] ?? 0) + v.value;
  }
  return out;
}

/** Runs the engine until `warmupPolls + polls` polls are done and measures the last `polls`. */
export async function measurePolls(o: PollsOptions): Promise<PollsResult> {
  const orders = benchOrders(`P${o.keys.bits}`, o.orders, Date.now());
  await o.sim.addOrders(orders, 'PR07');
  const engine = await createBenchEngine({
    keys: o.keys,
    redisUrl: o.redisUrl,
    prefix: `bench-polls-${o.keys.bits}-${randomBytes(3).toString('hex')}`,
    queryUrl: o.sim.queryUrl,
    dataDir: o.dataDir,
    env: {
      ROLES: 'query',
      QUERY_CONCURRENCY: String(o.concurrency),
      QUERY_RATE_PER_SEC: '100000',
      POLL_SCHEDULE: '1ms',
      QUERY_TIMEOUT: '10s',
    },
  });
  try {
    for (const body of batches(orders, 1000)) await engine.track(body, { source: 'embed', actor: 'bench' });
    await engine.start();
    const limitMs = 240_000;
    await waitUntil(`${o.warmupPolls} warm-up polls`, async () => (await pollsDone(engine)) >= o.warmupPolls, limitMs);
    const [sim0, redis0] = await Promise.all([o.sim.cpuUs(), redisCpuUs(engine)]);
    const from = await pollsDone(engine);
    const meter = startCpuMeter();
    await waitUntil(`${o.polls} polls`, async () => (await pollsDone(engine)) >= from + o.polls, limitMs);
    const m = meter.read();
    const polls = (await pollsDone(engine)) - from;
    const [sim1, redis1] = await Promise.all([o.sim.cpuUs(), redisCpuUs(engine)]);
    return {
      bits: o.keys.bits,
      concurrency: o.concurrency,
      orders: o.orders,
      polls,
      wallSeconds: m.wallMs / 1000,
      pollsPerSec: polls / (m.wallMs / 1000),
      cpuUsPerPoll: m.cpuUs / polls,
      userUsPerPoll: m.userUs / polls,
      systemUsPerPoll: m.systemUs / polls,
      simulatorCpuUsPerPoll: (sim1 - sim0) / polls,
      redisCpuUsPerPoll: (redis1 - redis0) / polls,
      outcomes: await outcomesOf(engine),
    };
  } finally {
    await engine.close();
  }
}
