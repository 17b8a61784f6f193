// `npm run bench:overload`: polling when the schedule asks for more queries than the cap allows (issue 12), and
// what a waiting order costs in Redis at 100,000 and 1,000,000 orders. Two parts, each alone or both:
//   --part overload (default)  the overload scenario (bench/overload-scenario.ts) against each polling mode, one
//                              row per mode: poll lag p50/p99 per urgency class, new orders' first query, the share
//                              of the cap used, the worst-served authorized order
//   --part memory              Redis bytes per waiting order, tracked through engine.track as bench/memory.ts does
//   --part all                 both
// Scale flags (defaults: the full scenario, a few minutes on 2 cores): --cap --schedule --concurrency --authorized
// --active --near-deadline --requeried --arrivals --requeries --settle --seconds; --mode <name|all>;
// --memory-orders 100000,1000000; --quick: a reduced scale for development (noisy). Figures go to stdout, progress
// to stderr; a missed target is shown with ✗ and never fails the run. Writes nothing but its scratch directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRedis, redisServerInfo } from '../src/redis/connection.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import { parseDurationList } from '../src/reconcile/duration.js';
import { makeKeySet } from './harness.js';
import { describeMachine, machineLines } from './machine.js';
import { measureRedisPerOrder, type RedisPerOrder } from './memory.js';
import { CLASSES, type Percentiles } from './overload-stats.js';
import { MODES, repeatDemand, runScenario, type ScenarioResult, type ScenarioSize } from './overload-scenario.js';

const FULL: ScenarioSize = {
  cap: 200,
  schedule: '5s,30s',
  concurrency: 16,
  authorized: 20_000,
  active: 300,
  nearDeadline: 300,
  requeried: 200,
  arrivalsPerSec: 10,
  requeriesPerSec: 1,
  settleSec: 60,
  seconds: 180,
};

const QUICK: ScenarioSize = {
  ...FULL,
  cap: 50,
  authorized: 3_000,
  active: 60,
  nearDeadline: 60,
  requeried: 40,
  arrivalsPerSec: 3,
  settleSec: 30,
  seconds: 60,
};

const MEMORY_ORDERS = [100_000, 1_000_000];

/** The targets of issue 12 (for the budget-aware mode: today's first-come polling is not expected to meet them). */
const TARGET = { firstQueryRatio: 2, capShare: 0.85, bytesPerOrder: 1000 } as const;
/** The limiter's own ceiling at the cap: `limit` grants per window + 100 ms send margin (rate-limiter.ts). */
const LIMITER_CEILING = 1000 / 1100;

const progress = (text: string) => process.stderr.write(`· ${text}\n`);
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (ms: number) => (Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(ms < 10_000 ? 2 : 1));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

const OPTIONS = {
  part: { type: 'string', default: 'overload' },
  mode: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
  cap: { type: 'string' },
  schedule: { type: 'string' },
  concurrency: { type: 'string' },
  authorized: { type: 'string' },
  active: { type: 'string' },
  'near-deadline': { type: 'string' },
  requeried: { type: 'string' },
  arrivals: { type: 'string' },
  requeries: { type: 'string' },
  settle: { type: 'string' },
  seconds: { type: 'string' },
  'memory-orders': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function num(flags: Flags, name: keyof Flags, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`overload: --${name} must be a non-negative number (got ${String(raw)})`);
  return n;
}

function sizeFrom(flags: Flags): ScenarioSize {
  const base = flags.quick ? QUICK : FULL;
  return {
    cap: num(flags, 'cap', base.cap),
    schedule: flags.schedule ?? base.schedule,
    concurrency: num(flags, 'concurrency', base.concurrency),
    authorized: num(flags, 'authorized', base.authorized),
    active: num(flags, 'active', base.active),
    nearDeadline: num(flags, 'near-deadline', base.nearDeadline),
    requeried: num(flags, 'requeried', base.requeried),
    arrivalsPerSec: num(flags, 'arrivals', base.arrivalsPerSec),
    requeriesPerSec: num(flags, 'requeries', base.requeriesPerSec),
    settleSec: num(flags, 'settle', base.settleSec),
    seconds: num(flags, 'seconds', base.seconds),
  };
}

function overloadSection(s: ScenarioSize, results: readonly ScenarioResult[]): string[] {
  const schedule = parseDurationList(s.schedule, 'POLL_SCHEDULE');
  const demand = repeatDemand(s, schedule);
  const lines = [
    `## Overload: cap ${int(s.cap)} queries/s, POLL_SCHEDULE=${s.schedule}, QUERY_CONCURRENCY=${s.concurrency}`,
    '',
    `${int(s.authorized)} authorized orders, ${int(s.active)} active (created/verifying/authorizing), ${int(s.nearDeadline)} in the last hour of their hold,`,
    `${int(s.requeried)} re-queried at ${s.requeriesPerSec}/s (confirming), new orders tracked at ${s.arrivalsPerSec}/s. On their repeat the orders ask`,
    `≈ ${int(demand)} queries/s = ${(demand / s.cap).toFixed(1)}× the cap. Measured over ${s.seconds} s after ${s.settleSec} s at the cap (after an uncapped warm-up that`,
    'gives every initial order its first answer). Lag = from next_poll_at to the answer (llrecon_poll_lag_seconds), rebuilt',
    "from the simulator's log of answers; class = the order's state when the poll was due. A poll due and not answered by",
    "the window's end counts with its wait so far (still waiting).",
    '',
    '| mode | class | polls | lag p50 s | lag p99 s |',
    '|---|---|---:|---:|---:|',
  ];
  for (const r of results)
    for (const cls of CLASSES) {
      const p: Percentiles = r.figures.lag[cls];
      const waiting = r.figures.waiting[cls];
      const unanswered = waiting > 0 ? ` (${int(waiting)} still waiting)` : '';
      lines.push(`| ${r.mode} | ${cls} | ${int(p.n)}${unanswered} | ${sec(p.p50)} | ${sec(p.p99)} |`);
    }
  lines.push(
    '',
    `| mode | new orders | first query p50 s | p99 s | p99 ÷ scheduled (target ≤ ${TARGET.firstQueryRatio}) | queries/s at the simulator | share of the cap (target ≥ ${pct(TARGET.capShare)}; ceiling ${pct(LIMITER_CEILING)}) | worst authorized order: longest gap vs scheduled | polls waiting at the end |`,
    '|---|---:|---:|---:|---|---:|---|---|---:|',
  );
  for (const r of results) {
    const f = r.figures;
    const fq = f.firstQuery;
    const ratio = fq.p99 / fq.scheduledMs;
    const share = f.queriesPerSec / s.cap;
    const worst =
      f.worst === null
        ? '—'
        : `${sec(f.worst.gapMs)} s${f.worst.open ? '+ (still waiting)' : ''} vs ${sec(f.worst.scheduledMs)} s (${(f.worst.gapMs / f.worst.scheduledMs).toFixed(1)}×)`;
    const unanswered = fq.unanswered > 0 ? `, ${int(fq.unanswered)} not yet queried (counted to the end)` : '';
    lines.push(
      `| ${r.mode} | ${int(fq.n)}${unanswered} | ${sec(fq.p50)} | ${sec(fq.p99)} | ${ratio.toFixed(1)}× of ${sec(fq.scheduledMs)} s ${mark(ratio <= TARGET.firstQueryRatio)} | ${f.queriesPerSec.toFixed(1)} | ${pct(share)} ${mark(share >= TARGET.capShare)} | ${worst} | ${int(r.waitingAtEnd)} |`,
    );
  }
  lines.push('', `(warm-up: ${results.map((r) => `${r.mode} ${r.warmupSeconds.toFixed(0)} s`).join(', ')})`);
  lines.push(
    'Check of the replay against the engine, every routine poll answered since the measured engine started (the metric',
    "also counts the re-queried orders' routine polls, which the replay leaves out):",
  );
  for (const { mode, lagCheck: c } of results)
    lines.push(
      `- ${mode}: llrecon_poll_lag_seconds mean ${sec(c.metric.meanMs)} s over ${int(c.metric.n)} polls; replayed ${sec(c.replay.meanMs)} s over ${int(c.replay.n)}`,
    );
  return lines;
}

function memorySection(rows: readonly RedisPerOrder[]): string[] {
  const lines = [
    '## Redis bytes per order waiting for its next poll',
    '',
    'Tracked through engine.track (batches of 1000, POLL_SCHEDULE=1h, no worker running), each size on an emptied Redis;',
    "INFO used_memory after − before ÷ orders; MEMORY USAGE of one order's keys, and the indexes (orders, state:pending,",
    "BullMQ's delayed zset) ÷ orders.",
    '',
    `| orders | bytes/order (target ≤ ${int(TARGET.bytesPerOrder)}) | order hash | history | BullMQ job hash | indexes/order |`,
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${int(r.orders)} | ${int(r.bytesPerOrder)} ${mark(r.bytesPerOrder <= TARGET.bytesPerOrder)} | ${int(r.sample.orderHash)} | ${int(r.sample.history)} | ${int(r.sample.bullJobHash)} | ${r.sample.indexesPerOrder.toFixed(1)} |`,
    );
  return lines;
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: OPTIONS, strict: true });
  const part = flags.part;
  if (!['overload', 'memory', 'all'].includes(part)) throw new Error(`overload: --part must be overload, memory or all (got ${part})`);
  const modes = flags.mode === 'all' ? Object.keys(MODES) : [flags.mode];
  const size = sizeFrom(flags);
  const memoryOrders = flags['memory-orders']?.split(',').map(Number) ?? (flags.quick ? [20_000, 100_000] : MEMORY_ORDERS);
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'llrecon-overload-'));
  const redis = await startRedisServer({ dir: join(dataDir, 'redis'), appendOnly: false });
  const probe = createRedis({ redisUrl: redis.url, redisCluster: false }, 'client');
  try {
    const machine = describeMachine((await redisServerInfo(probe)).version);
    progress(`overload bench: Redis ${redis.url}, scratch ${dataDir}`);
    const keys = makeKeySet(1024);
    const sections: string[][] = [];
    if (part !== 'memory') {
      const results: ScenarioResult[] = [];
      for (const mode of modes) {
        await probe.flushall();
        results.push(await runScenario({ keys, redisUrl: redis.url, dataDir, mode, size }, progress));
      }
      sections.push(overloadSection(size, results));
    }
    if (part !== 'overload') {
      const rows: RedisPerOrder[] = [];
      for (const orders of memoryOrders) {
        await probe.flushall();
        progress(`Redis memory of ${int(orders)} tracked orders`);
        const t0 = Date.now();
        rows.push(await measureRedisPerOrder({ keys, redisUrl: redis.url, dataDir, orders }));
        progress(`${int(orders)} orders tracked and measured in ${Math.round((Date.now() - t0) / 1000)} s`);
      }
      sections.push(memorySection(rows));
    }
    const text = [
      `# llrecon overload benchmark${flags.quick ? ' (--quick: reduced scale, noisier figures)' : ''}`,
      '',
      `Run ${new Date(started).toISOString()}, ${Math.round((Date.now() - started) / 1000)} s. Reproduce: \`npm run bench:overload -- ${process.argv.slice(2).join(' ')}\`.`,
      '',
      '```',
      ...machineLines(machine),
      '```',
      ...sections.flatMap((lines) => ['', ...lines]),
      '',
    ].join('\n');
    process.stdout.write(`\n${text}`);
  } finally {
    await probe.quit();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`overload bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
