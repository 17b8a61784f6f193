// `npm run bench`: llrecon's performance figures, measured in one run against the LianLian simulator on loopback
// (in its own process) and a redis-server of the bench's own (appendonly off, temporary directory):
//   1. polls/s and CPU µs per poll of a real engine, 1024- and 2048-bit keys, concurrency 50;
//   2. the parts of a poll measured alone (BullMQ no-op job, sign + verify, bare HTTP request, Redis write), their
//      sum, and llrecon's CPU per poll over that sum;
//   3. Redis bytes per tracked order waiting for its next poll;
//   4. the daemon's RSS as tracked orders grow to 100,000.
// Targets are printed next to the figures (✓/✗); a missed target never fails the run. `--quick`: a short run for
// development (its figures are noisier; it does not write bench/RESULTS.md).
import { runExtended } from './extended.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, redisServerInfo } from '../src/redis/connection.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import type { RssReport } from './engine-process.js';
import { makeKeySet, startSimulatorProcess } from './harness.js';
import { describeMachine, machineLines } from './machine.js';
import { RESULTS_FILE, writeResults } from './results-file.js';
import { measureDaemonRss, measureRedisPerOrder, type RedisPerOrder } from './memory.js';
import { measureBareRequests, measureBullNoop, measureRedisWrite, measureSignVerify, type PartResult } from './parts.js';
import { measurePolls, type PollsResult } from './polls.js';

/** How much each measurement does. */
interface Sizes {
  concurrency: number;
  pollOrders: number;
  warmupPolls: number;
  polls: number;
  signVerify: number;
  bareRequests: number;
  noopJobs: number;
  redisWrites: number;
  memoryOrders: number;
  rssOrders: number;
  rssEvery: number;
}

const FULL: Sizes = {
  concurrency: 50,
  pollOrders: 500,
  warmupPolls: 2_000,
  polls: 20_000,
  signVerify: 2_000,
  bareRequests: 10_000,
  noopJobs: 20_000,
  redisWrites: 20_000,
  memoryOrders: 20_000,
  rssOrders: 100_000,
  rssEvery: 25_000,
};

const QUICK: Sizes = {
  concurrency: 50,
  pollOrders: 200,
  warmupPolls: 400,
  polls: 2_000,
  signVerify: 200,
  bareRequests: 1_000,
  noopJobs: 2_000,
  redisWrites: 2_000,
  memoryOrders: 2_000,
  rssOrders: 20_000,
  rssEvery: 5_000,
};

const KEY_SIZES = [1024, 2048] as const;

/** The targets (issue and brief): what llrecon promises on a 2-core machine. */
const TARGET = {
  pollsPerSec1024: 2_000,
  overheadRatio: 1.5,
  /** 1.5 KB, read strictly (decimal). */
  redisBytesPerOrder: 1_500,
  /** 200 MB, read strictly (decimal). */
  rssBytes: 200_000_000,
  /** "Flat": RSS growth from the first report after 0 orders to the last, at most a tenth of the RSS budget. */
  rssGrowthBytes: 20_000_000,
} as const;

/** One key size's measurements. */
interface KeySizeFigures {
  polls: PollsResult;
  sign: PartResult;
  verify: PartResult;
  bare: PartResult;
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');
const us = (n: number) => n.toFixed(1);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const progress = (text: string) => process.stderr.write(`· ${text}\n`);

function pollsSection(figures: Map<number, KeySizeFigures>, s: Sizes, cores: number): string[] {
  const lines = [
    `## 1. Polls (real engine, ROLES=query, concurrency ${s.concurrency}, ${s.pollOrders} orders answering PR07 forever, POLL_SCHEDULE=1ms)`,
    '',
    `Measured over ${int(s.polls)} polls after ${int(s.warmupPolls)} warm-up polls; CPU = process.cpuUsage() of the bench process`,
    '(the simulator runs in its own process, Redis in its own).',
    '',
    '| keys | polls/s | llrecon CPU µs/poll (user + sys) | target |',
    '|---|---:|---:|---|',
  ];
  for (const [bits, f] of figures) {
    const p = f.polls;
    const target =
      bits === 1024
        ? `≥ ${int(TARGET.pollsPerSec1024)} polls/s on 2 cores ${mark(p.pollsPerSec >= TARGET.pollsPerSec1024)}${cores === 2 ? '' : ` (this machine: ${cores} cores)`}`
        : '—';
    lines.push(
      `| ${bits} | ${int(p.pollsPerSec)} | ${us(p.cpuUsPerPoll)} (${us(p.userUsPerPoll)} + ${us(p.systemUsPerPoll)}) | ${target} |`,
    );
  }
  lines.push(
    '',
    'The other processes on the same cores, per poll (CPU µs), and the outcomes of every query of the run:',
    '',
    '| keys | simulator | redis-server | llrecon + simulator + redis-server | outcomes |',
    '|---|---:|---:|---:|---|',
  );
  for (const [bits, { polls: p }] of figures) {
    const outcomes = Object.entries(p.outcomes)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ');
    const all = p.cpuUsPerPoll + p.simulatorCpuUsPerPoll + p.redisCpuUsPerPoll;
    lines.push(`| ${bits} | ${us(p.simulatorCpuUsPerPoll)} | ${us(p.redisCpuUsPerPoll)} | ${us(all)} | ${outcomes} |`);
  }
  return lines;
}

function partsSection(
  figures: Map<number, KeySizeFigures>,
  noop: { process: PartResult; add: PartResult },
  write: PartResult,
  s: Sizes,
): string[] {
  const lines = [
    '## 2. The sum of its parts (each measured alone in the same run, CPU µs of the bench process per operation)',
    '',
    `| part | ${[...figures.keys()].map((b) => `${b}-bit keys`).join(' | ')} |`,
    `|---|${[...figures.keys()].map(() => '---:').join('|')}|`,
  ];
  const row = (name: string, value: (f: KeySizeFigures) => string) =>
    lines.push(`| ${name} | ${[...figures.values()].map(value).join(' | ')} |`);
  row(`BullMQ no-op job (poll queue options, concurrency ${s.concurrency})`, () => us(noop.process.cpuUsPerOp));
  row('one sign (signFields, merchant key)', (f) => us(f.sign.cpuUsPerOp));
  row('one verify (verifyBody, LianLian key)', (f) => us(f.verify.cpuUsPerOp));
  row(`one bare request (createHttpClient + postJson, concurrency ${s.concurrency})`, (f) => us(f.bare.cpuUsPerOp));
  row('one Redis write (HSET + XADD pipeline, ioredis)', () => us(write.cpuUsPerOp));
  const sum = (f: KeySizeFigures) =>
    noop.process.cpuUsPerOp + f.sign.cpuUsPerOp + f.verify.cpuUsPerOp + f.bare.cpuUsPerOp + write.cpuUsPerOp;
  row('**sum of the parts**', (f) => `**${us(sum(f))}**`);
  row('**llrecon per poll**', (f) => `**${us(f.polls.cpuUsPerPoll)}**`);
  row(`**ratio** llrecon / sum (target ≤ ${TARGET.overheadRatio})`, (f) => {
    const ratio = f.polls.cpuUsPerPoll / sum(f);
    return `**${ratio.toFixed(2)}** ${mark(ratio <= TARGET.overheadRatio)}`;
  });
  lines.push(
    '',
    `Not in the sum: adding a job (BullMQ addBulk, ${us(noop.add.cpuUsPerOp)} µs/job; a poll re-schedules its job, it adds none).`,
    `Throughput of the parts alone: no-op jobs ${int(noop.process.opsPerSec)}/s, bare requests ${[...figures.values()].map((f) => `${int(f.bare.opsPerSec)}/s`).join(' / ')}, Redis writes ${int(write.opsPerSec)}/s.`,
  );
  return lines;
}

function redisSection(m: RedisPerOrder): string[] {
  const { sample } = m;
  const keysSum = sample.orderHash + sample.history + sample.bullJobHash + sample.indexesPerOrder;
  return [
    `## 3. Redis per tracked order waiting for its next poll (${int(m.orders)} orders tracked by engine.track in batches of 1000, schedule 1h)`,
    '',
    `**${int(m.bytesPerOrder)} bytes per order** (INFO used_memory after − before) — target ≤ 1.5 KB (${int(TARGET.redisBytesPerOrder)} B) ${mark(m.bytesPerOrder <= TARGET.redisBytesPerOrder)}`,
    '',
    'MEMORY USAGE of one order (bytes):',
    '',
    '| what | bytes |',
    '|---|---:|',
    `| order hash | ${int(sample.orderHash)} |`,
    `| history list (none until a first change: the tracked entry lives in the hash) | ${int(sample.history)} |`,
    `| BullMQ job hash (delayed poll job) | ${int(sample.bullJobHash)} |`,
    `| share of the indexes (orders, state:pending, BullMQ delayed zsets) | ${int(sample.indexesPerOrder)} |`,
    `| sum | ${int(keysSum)} |`,
  ];
}

function rssSection(reports: RssReport[], s: Sizes): string[] {
  const last = reports.at(-1);
  const first = reports.find((r) => r.orders > 0);
  const lines = [
    `## 4. Daemon RSS as tracked orders grow (a child process: startDaemon, all roles, schedule 1h, --expose-gc, after GC)`,
    '',
    '| orders | RSS MB | of which anonymous MB | V8 heap total MB | heap used MB | external MB |',
    '|---:|---:|---:|---:|---:|---:|',
    ...reports.map(
      (r) =>
        `| ${int(r.orders)} | ${mb(r.rss)} | ${r.anonymous === null ? '—' : mb(r.anonymous)} | ${mb(r.heapTotal)} | ${mb(r.heapUsed)} | ${mb(r.external)} |`,
    ),
    '',
    "Anonymous: the process's private memory (/proc/self/smaps_rollup); the rest of RSS is file-backed pages, mostly the node executable's (shared, reclaimable).",
    '',
  ];
  if (!last || !first) return [...lines, '(no reports)'];
  const max = Math.max(...reports.map((r) => r.rss));
  const growth = last.rss - first.rss;
  lines.push(
    `Peak RSS ${mb(max)} MB — target ≤ ${mb(TARGET.rssBytes)} MB ${mark(max <= TARGET.rssBytes && last.orders === s.rssOrders)}`,
    `Growth from ${int(first.orders)} to ${int(last.orders)} orders: ${mb(growth)} MB — target flat (≤ ${mb(TARGET.rssGrowthBytes)} MB) ${mark(growth <= TARGET.rssGrowthBytes)}`,
  );
  if (first.anonymous !== null && last.anonymous !== null)
    lines.push(
      `(anonymous memory over the same orders: ${mb(last.anonymous - first.anonymous)} MB; no target, shown because file-backed pages can hide growth)`,
    );
  return lines;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const s = quick ? QUICK : FULL;
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'llrecon-bench-'));
  const redis = await startRedisServer({ dir: join(dataDir, 'redis'), appendOnly: false });
  try {
    const probe = createRedis({ redisUrl: redis.url, redisCluster: false }, 'client');
    const machine = describeMachine((await redisServerInfo(probe)).version);
    await probe.quit();
    progress(`llrecon bench${quick ? ' (--quick)' : ''}: Redis ${redis.url}, scratch ${dataDir}`);

    const figures = new Map<number, KeySizeFigures>();
    for (const bits of KEY_SIZES) {
      progress(`${bits}-bit keys: generating, starting the simulator process`);
      const keys = makeKeySet(bits);
      const sim = await startSimulatorProcess(keys);
      try {
        progress(`${bits}-bit keys: ${int(s.warmupPolls + s.polls)} polls`);
        const polls = await measurePolls({
          keys,
          sim,
          redisUrl: redis.url,
          dataDir,
          concurrency: s.concurrency,
          orders: s.pollOrders,
          warmupPolls: s.warmupPolls,
          polls: s.polls,
        });
        progress(`${bits}-bit keys: ${int(s.bareRequests)} bare requests, ${int(s.signVerify)} signs and verifies`);
        const bare = await measureBareRequests({ keys, sim, count: s.bareRequests, concurrency: s.concurrency });
        const { sign, verify } = measureSignVerify(keys, s.signVerify);
        figures.set(bits, { polls, sign, verify, bare });
      } finally {
        await sim.stop();
      }
    }
    progress(`${int(s.noopJobs)} BullMQ no-op jobs, ${int(s.redisWrites)} Redis writes`);
    const noop = await measureBullNoop({ redisUrl: redis.url, concurrency: s.concurrency, jobs: s.noopJobs });
    const write = await measureRedisWrite({ redisUrl: redis.url, count: s.redisWrites, concurrency: s.concurrency });
    progress(`Redis memory of ${int(s.memoryOrders)} tracked orders`);
    const perOrder = await measureRedisPerOrder({ keys: makeKeySet(1024), redisUrl: redis.url, dataDir, orders: s.memoryOrders });
    progress(`daemon RSS up to ${int(s.rssOrders)} tracked orders`);
    const rss = await measureDaemonRss({ redisUrl: redis.url, dataDir, orders: s.rssOrders, every: s.rssEvery });
    progress('callback ingest, callback → event latency, scale to ' + (quick ? '100,000' : '1,000,000') + ' orders');
    const extended = await runExtended({ quick });

    const text = [
      `# llrecon benchmark${quick ? ' (--quick: short run, noisier figures)' : ''}`,
      '',
      `Run ${new Date(started).toISOString()}, ${Math.round((Date.now() - started) / 1000)} s. Reproduce: \`npm run bench\` (see bench/README.md).`,
      '',
      '```',
      ...machineLines(machine),
      '```',
      '',
      ...pollsSection(figures, s, machine.cores),
      '',
      ...partsSection(figures, noop, write, s),
      '',
      ...redisSection(perOrder),
      '',
      ...rssSection(rss, s),
      '',
      extended,
      '',
    ].join('\n');
    process.stdout.write(`\n${text}`);
    if (!quick) {
      writeResults('bench', text);
      progress(`written to ${RESULTS_FILE}`);
    }
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
