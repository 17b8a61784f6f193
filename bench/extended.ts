// Three more benchmarks, each against a whole daemon (startDaemon, bench/extended-daemon.ts) in a child process
// and a redis-server of their own (append-only ON, as in production, temporary directory):
//   1. callback ingest: POST /notify/lianlian acknowledged per second (ROLES=api) as fast as 64 connections go,
//      then p50/p99 acknowledgement at the target rate sent on a fixed schedule (open loop);
//   2. verified callback → final event latency (all roles, POLL_SCHEDULE=10m): PR11 notification to the
//      `preauth.captured` event on the stream;
//   3. scale: Redis bytes per tracked order, daemon RSS, and CPU per poll of a fixed small set of orders as the
//      tracked orders grow (POLL_SCHEDULE=1h, so the bulk waits).
// runExtended() returns the Markdown section; a missed target is marked ✗ and never throws.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { importPublicKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { createRedis } from '../src/redis/connection.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import { withDaemonEnv } from '../src/process-tuning.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { keyspace } from '../src/store/keyspace.js';
import type { DaemonCommand, DaemonReply } from './extended-daemon.js';
import { post } from './load.js';
import type { OpenLoopReport, OpenLoopRun } from './open-loop-process.js';
import { benchOrders, makeKeySet, runConcurrently, startSimulatorProcess, waitUntil, type KeySet } from './harness.js';

/** How much each measurement does. */
interface Sizes {
  ingestRequests: number;
  ingestWarmup: number;
  /** Seconds of the open-loop phase at the target rate. */
  ingestOpenLoopSeconds: number;
  latencySamples: number;
  scaleSizes: readonly number[];
  activeOrders: number;
  requeryRounds: number;
}

const FULL: Sizes = {
  ingestRequests: 20_000,
  ingestWarmup: 2_000,
  ingestOpenLoopSeconds: 10,
  latencySamples: 300,
  scaleSizes: [100_000, 1_000_000],
  activeOrders: 200,
  requeryRounds: 10,
};
const QUICK: Sizes = {
  ingestRequests: 5_000,
  ingestWarmup: 1_000,
  ingestOpenLoopSeconds: 3,
  latencySamples: 100,
  scaleSizes: [20_000, 100_000],
  activeOrders: 200,
  requeryRounds: 5,
};

/** Load generator connections (keep-alive) of the closed-loop phase. */
const INGEST_CONNECTIONS = 64;
/** The most connections the open-loop phase may open (it never waits for a free one to send on schedule). */
const OPEN_LOOP_MAX_SOCKETS = 1024;

const TARGET = {
  ingestPerSec: 3_000,
  ingestP99Ms: 20,
  finalP99Ms: 100,
  redisBytesPerOrder: 1_500,
  rssBytes: 200_000_000,
  flatRatio: 1.25,
} as const;

const mark = (ok: boolean) => (ok ? '✓' : '✗');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(1);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const progress = (text: string) => process.stderr.write(`· ${text}\n`);

/** The q-quantile (0..1) of `values` (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** bench/extended-daemon.js running, and a way to talk to it. */
interface DaemonProcess {
  /** Base URL of its HTTP app (null without the api role). */
  url: string | null;
  ask<T extends DaemonCommand['type']>(cmd: Extract<DaemonCommand, { type: T }>): Promise<Extract<DaemonReply, { type: T }>>;
  stop(): Promise<void>;
}

async function startDaemonProcess(o: {
  keys: KeySet;
  redisUrl: string;
  dataDir: string;
  queryUrl: string;
  settings: Record<string, string>;
}): Promise<DaemonProcess> {
  const child = fork(new URL('./extended-daemon.js', import.meta.url), [], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: {
      ...withDaemonEnv(process.env),
      BENCH_REDIS_URL: o.redisUrl,
      BENCH_DATA_DIR: o.dataDir,
      BENCH_OID_PARTNER: o.keys.oidPartner,
      BENCH_MERCHANT_KEY: o.keys.merchant.privatePem,
      BENCH_LIANLIAN_KEY: o.keys.lianlian.publicPem,
      BENCH_QUERY_URL: o.queryUrl,
      BENCH_SETTINGS: JSON.stringify(o.settings),
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
    void exited.then(([code]) => reject(new Error(`benchmark: the daemon process exited (${String(code)}) before listening`)));
  });
  const ask = <T extends DaemonCommand['type']>(cmd: Extract<DaemonCommand, { type: T }>) =>
    new Promise<Extract<DaemonReply, { type: T }>>((resolve, reject) => {
      const onExit = () => reject(new Error(`benchmark: the daemon process exited during ${cmd.type}`));
      const onMessage = (m: DaemonReply) => {
        if (m.type !== cmd.type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<DaemonReply, { type: T }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(cmd);
    });
  return {
    url: url === '-' ? null : url,
    ask,
    async stop() {
      if (child.exitCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.send({ type: 'stop' } satisfies DaemonCommand);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A signed asynchronous notification body for a made-up order `i` (distinct bodies, so none is deduplicated). */
function notificationBody(keys: KeySet, no_order: string, dt_order: string): string {
  return JSON.stringify(
    signFields(
      {
        oid_partner: keys.oidPartner,
        sign_type: 'RSA',
        no_order,
        dt_order,
        oid_paybill: `2026${no_order.slice(-12)}`,
        money_order: '128.00',
        result_pay: 'SUCCESS',
        settle_date: dt_order.slice(0, 8),
        info_order: '预授权成功',
        pay_type: 'F',
        bank_code: '03080000',
      },
      keys.lianlianPrivateKey,
    ),
  );
}

async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!m?.[1]) throw new Error('benchmark: INFO memory has no used_memory');
  return Number(m[1]);
}

interface IngestResult {
  requests: number;
  perSec: number;
  p50: number;
  p99: number;
  daemonCpuUsPerRequest: number;
  queued: number;
  /** The open-loop rounds: requests sent on a fixed schedule at the target rate. */
  openLoop: OpenLoopRound[];
}

/** One round of the open loop at the target rate. */
interface OpenLoopRound {
  rate: number;
  requests: number;
  achievedPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** Event-loop delay during the round (p99 / max ms): the daemon's, and the load generator's own. */
  daemonLoop: { p99: number; max: number };
  generatorLoop: { p99: number; max: number };
}

/** Rounds of the open loop: the tail of one round on shared cores moves a lot, so the target reads the median. */
const OPEN_LOOP_ROUNDS = 3;

/** Runs the open-loop generator in a process of its own (bench/open-loop-process.ts) and returns its report. */
async function runOpenLoop(run: OpenLoopRun): Promise<OpenLoopReport> {
  const child = fork(new URL('./open-loop-process.js', import.meta.url), [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const reply = once(child, 'message') as Promise<[OpenLoopReport]>;
    child.send(run);
    const [report] = await reply;
    if (report.error) throw new Error(`benchmark: ${report.error}`);
    return report;
  } finally {
    child.kill();
  }
}

/** 1. Callback ingest: distinct signed bodies POSTed to a ROLES=api daemon, INGEST_CONNECTIONS at a time. */
async function measureIngest(o: { keys: KeySet; redisUrl: string; dataDir: string; sizes: Sizes }): Promise<IngestResult> {
  const prefix = `bench-ingest-${randomBytes(3).toString('hex')}`;
  const daemon = await startDaemonProcess({
    keys: o.keys,
    redisUrl: o.redisUrl,
    dataDir: o.dataDir,
    queryUrl: 'http://127.0.0.1:9/preauthquery.htm',
    settings: { ROLES: 'api', REDIS_PREFIX: prefix },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: INGEST_CONNECTIONS });
  const redis = createRedis({ redisUrl: o.redisUrl, redisCluster: false }, 'client') as Redis;
  try {
    const url = new URL('/notify/lianlian', daemon.url ?? '');
    const openCount = TARGET.ingestPerSec * o.sizes.ingestOpenLoopSeconds;
    const total = o.sizes.ingestWarmup + o.sizes.ingestRequests + openCount * OPEN_LOOP_ROUNDS;
    const bodies = benchOrders('ING', total, Date.now()).map((x) => notificationBody(o.keys, x.no_order, x.dt_order));
    const send = async (body: string) => {
      const r = await post(agent, url, body);
      if (r.status !== 200 || !r.text.includes('"0000"')) throw new Error(`benchmark: notify answered ${r.status} ${r.text.slice(0, 80)}`);
    };
    await runConcurrently(o.sizes.ingestWarmup, INGEST_CONNECTIONS, (i) => send(bodies[i] as string));
    const latencies: number[] = [];
    const cpu0 = (await daemon.ask({ type: 'stats' })).cpuUs;
    const t0 = performance.now();
    await runConcurrently(o.sizes.ingestRequests, INGEST_CONNECTIONS, async (i) => {
      const s = performance.now();
      await send(bodies[o.sizes.ingestWarmup + i] as string);
      latencies.push(performance.now() - s);
    });
    const wallMs = performance.now() - t0;
    const cpu1 = (await daemon.ask({ type: 'stats' })).cpuUs;
    // then the target rate, on a schedule, a few rounds
    const rounds: OpenLoopRound[] = [];
    for (let r = 0; r < OPEN_LOOP_ROUNDS; r++) {
      const from = o.sizes.ingestWarmup + o.sizes.ingestRequests + r * openCount;
      await daemon.ask({ type: 'stats', gc: false }); // resets its event-loop histogram
      const open = await runOpenLoop({
        url: url.href,
        rate: TARGET.ingestPerSec,
        bodies: bodies.slice(from, from + openCount),
        maxSockets: OPEN_LOOP_MAX_SOCKETS,
      });
      const daemonAfter = await daemon.ask({ type: 'stats', gc: false });
      rounds.push({
        rate: TARGET.ingestPerSec,
        requests: openCount,
        achievedPerSec: openCount / (open.wallMs / 1000),
        p50: quantile(open.latencies, 0.5),
        p99: quantile(open.latencies, 0.99),
        max: Math.max(...open.latencies),
        daemonLoop: { p99: daemonAfter.loopP99Ms, max: daemonAfter.loopMaxMs },
        generatorLoop: { p99: open.loopP99Ms, max: open.loopMaxMs },
      });
    }
    const ks = keyspace(prefix);
    const queued = await redis.llen(`${ks.bullPrefix}:notify:wait`);
    return {
      requests: o.sizes.ingestRequests,
      perSec: o.sizes.ingestRequests / (wallMs / 1000),
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      daemonCpuUsPerRequest: (cpu1 - cpu0) / o.sizes.ingestRequests,
      queued,
      openLoop: rounds,
    };
  } finally {
    agent.destroy();
    await redis.quit();
    await daemon.stop();
  }
}

interface LatencyResult {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * 2. For each order (tracked, authorized by its PR07 notification): the simulator (in this process) moves it
 * to PR11 and sends its signed notification; the time from the POST to the `preauth.captured` event read here
 * with XREAD BLOCK. One order at a time.
 */
async function measureFinalLatency(o: { keys: KeySet; redisUrl: string; dataDir: string; sizes: Sizes }): Promise<LatencyResult> {
  const prefix = `bench-final-${randomBytes(3).toString('hex')}`;
  const simulator = new LianLianSimulator({
    lianlianPrivateKey: o.keys.lianlianPrivateKey,
    merchants: [{ oid_partner: o.keys.oidPartner, publicKey: importPublicKey(o.keys.merchant.publicPem, 'bench merchant public key') }],
    notifyIntervalMs: 600_000,
    notifyMaxAttempts: 1,
    seed: 2,
  });
  await simulator.start({ host: '127.0.0.1', port: 0 });
  const daemon = await startDaemonProcess({
    keys: o.keys,
    redisUrl: o.redisUrl,
    dataDir: o.dataDir,
    queryUrl: simulator.queryUrl,
    settings: { REDIS_PREFIX: prefix, POLL_SCHEDULE: '10m', QUERY_RATE_PER_SEC: '100000', QUERY_CONCURRENCY: '16' },
  });
  const reader = createRedis({ redisUrl: o.redisUrl, redisCluster: false }, 'client') as Redis;
  const stream = keyspace(prefix).events;
  const arrived = new Map<string, number>(); // `<type> <no_order>` → performance.now()
  let reading = true;
  const follow = (async () => {
    let last = '$';
    while (reading) {
      const reply = (await reader.xread('COUNT', 500, 'BLOCK', 200, 'STREAMS', stream, last)) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      const at = performance.now();
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        last = id;
        const type = fields[fields.indexOf('type') + 1] ?? '';
        const event = JSON.parse(fields[fields.indexOf('event') + 1] ?? '{}') as { data?: { no_order?: string } };
        arrived.set(`${type.replace(/^.*preauth\./, 'preauth.')} ${event.data?.no_order ?? ''}`, at);
      }
    }
  })();
  try {
    const orders = benchOrders('LAT', o.sizes.latencySamples, Date.now());
    const notifyUrl = `${daemon.url ?? ''}/notify/lianlian`;
    for (const x of orders)
      simulator.addOrder({ ...x, oid_partner: o.keys.oidPartner, timeline: [{ code: 'PR07' }], notifyUrl, notifyOn: [] });
    if ((await daemon.ask({ type: 'track', orders })).accepted !== orders.length)
      throw new Error('benchmark: latency orders not all tracked');
    await runConcurrently(orders.length, 8, (i) => simulator.sendNotification((orders[i] as { no_order: string }).no_order, 'PR07'));
    await waitUntil('every latency order authorized', () => orders.every((x) => arrived.has(`preauth.authorized ${x.no_order}`)), 60_000);
    const latencies: number[] = [];
    for (const x of orders) {
      simulator.setCode(x.no_order, 'PR11');
      const t0 = performance.now();
      if (!(await simulator.sendNotification(x.no_order, 'PR11'))) throw new Error('benchmark: PR11 notification not acknowledged');
      const key = `preauth.captured ${x.no_order}`;
      await waitUntil(`captured event of ${x.no_order}`, () => arrived.has(key), 10_000, 1);
      latencies.push((arrived.get(key) as number) - t0);
    }
    return { samples: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) };
  } finally {
    reading = false;
    await follow.catch(() => undefined);
    await reader.quit();
    await daemon.stop();
    await simulator.stop();
  }
}

/** One size of the scale run. */
interface ScalePoint {
  orders: number;
  redisBytesPerOrder: number | null;
  rss: number;
  heapUsed: number;
  polls: number;
  cpuUsPerPoll: number;
  pollsPerSec: number;
}

/**
 * 3. A daemon (all roles, POLL_SCHEDULE=1h) with a fixed set of orders the simulator (own process) answers PR07;
 * at 0 tracked orders and at each size: INFO used_memory, the daemon's RSS after GC, and its CPU per poll over
 * `requeryRounds` rounds of queries of the fixed set (engine.requery: the confirming query, the same work as a
 * poll). The bulk orders are tracked in batches of 1000 and wait an hour for their first poll.
 */
async function measureScale(o: { keys: KeySet; redisUrl: string; dataDir: string; sizes: Sizes }): Promise<ScalePoint[]> {
  const prefix = `bench-scale-${randomBytes(3).toString('hex')}`;
  const sim = await startSimulatorProcess(o.keys);
  const daemon = await startDaemonProcess({
    keys: o.keys,
    redisUrl: o.redisUrl,
    dataDir: o.dataDir,
    queryUrl: sim.queryUrl,
    settings: { REDIS_PREFIX: prefix, POLL_SCHEDULE: '1h', QUERY_RATE_PER_SEC: '100000', QUERY_CONCURRENCY: '50' },
  });
  const redis = createRedis({ redisUrl: o.redisUrl, redisCluster: false }, 'client') as Redis;
  try {
    const active = benchOrders('ACT', o.sizes.activeOrders, Date.now());
    await sim.addOrders(active, 'PR07');
    await daemon.ask({ type: 'track', orders: active });
    const nos = active.map((x) => x.no_order);
    await daemon.ask({ type: 'requery', orders: nos, rounds: 2 }); // first query: authorized; then warm
    const points: ScalePoint[] = [];
    const base = await usedMemory(redis);
    let tracked = 0;
    for (const size of [0, ...o.sizes.scaleSizes]) {
      if (size > tracked) {
        progress(`scale: tracking up to ${int(size)} orders`);
        const r = await daemon.ask({ type: 'bulk', prefix: 'SCL', from: tracked, count: size - tracked });
        if (r.accepted !== size - tracked) throw new Error(`benchmark: ${size - tracked - r.accepted} scale orders not accepted`);
        tracked = size;
      }
      const mem = await usedMemory(redis);
      const { rss, heapUsed } = await daemon.ask({ type: 'stats' });
      const q = await daemon.ask({ type: 'requery', orders: nos, rounds: o.sizes.requeryRounds });
      points.push({
        orders: size,
        redisBytesPerOrder: size > 0 ? (mem - base) / size : null,
        rss,
        heapUsed,
        polls: q.queries,
        cpuUsPerPoll: q.cpuUs / q.queries,
        pollsPerSec: q.queries / (q.wallMs / 1000),
      });
    }
    return points;
  } finally {
    await redis.quit();
    await daemon.stop();
    await sim.stop();
  }
}

function ingestSection(r: IngestResult, cores: number): string[] {
  const rounds = r.openLoop;
  const first = rounds[0];
  const median = quantile(
    rounds.map((x) => x.p99),
    0.5,
  );
  const kept = rounds.every((x) => x.achievedPerSec >= x.rate * 0.98);
  const on2 = cores === 2 ? '' : ` (this machine: ${cores} cores)`;
  return [
    `### Callback ingest (POST /notify/lianlian, daemon with ROLES=api in its own process)`,
    '',
    `Distinct signed bodies, each acknowledged (200, ret_code 0000) once its job is in Redis (append-only on); ${int(r.queued)} jobs waiting in the notify queue afterwards (no notify worker running). The load generators share the 2 cores with the daemon and Redis: the closed loop runs in the bench process over node:http, the scheduled one in a process of its own over a lean keep-alive client (bench/raw-http.ts).`,
    '',
    `- **as fast as it goes**: ${int(r.requests)} requests over ${INGEST_CONNECTIONS} keep-alive connections, each sending its next as soon as the last is answered (a closed loop: latency here is mostly the wait behind the other ${INGEST_CONNECTIONS - 1}, by Little's law ≈ ${INGEST_CONNECTIONS} ÷ rate);`,
    `- **at the target rate**: ${rounds.length} rounds of ${int(first?.requests ?? 0)} requests sent on a fixed schedule of ${int(first?.rate ?? 0)}/s whatever the answers' pace (an open loop), latency measured from when each was due; the target reads the median round's p99.`,
    '',
    '| load | acknowledged/s | p50 ms | p99 ms | max ms | daemon CPU µs/request | event-loop delay p99 / max ms: daemon, generator |',
    '|---|---:|---:|---:|---:|---:|---|',
    `| as fast as it goes | ${int(r.perSec)} | ${ms(r.p50)} | ${ms(r.p99)} | — | ${ms(r.daemonCpuUsPerRequest)} | — |`,
    ...rounds.map(
      (x, i) =>
        `| ${int(x.rate)}/s on schedule, round ${i + 1} | ${int(x.achievedPerSec)} | ${ms(x.p50)} | ${ms(x.p99)} | ${ms(x.max)} | — | ${ms(x.daemonLoop.p99)} / ${ms(x.daemonLoop.max)}, ${ms(x.generatorLoop.p99)} / ${ms(x.generatorLoop.max)} |`,
    ),
    '',
    `Targets${on2}: ≥ ${int(TARGET.ingestPerSec)}/s acknowledged ${mark(r.perSec >= TARGET.ingestPerSec)}; p99 ≤ ${TARGET.ingestP99Ms} ms at ${int(TARGET.ingestPerSec)}/s: median round ${ms(median)} ms ${mark(median <= TARGET.ingestP99Ms && kept)}.`,
    '',
    'Event-loop delay: how late each process ran its timers during the round (a stall of that process shows there).',
  ];
}

function latencySection(r: LatencyResult): string[] {
  return [
    '### Verified callback → final event (all roles, POLL_SCHEDULE=10m)',
    '',
    `${int(r.samples)} authorized orders, one at a time: the simulator moves the order to PR11 and POSTs its signed notification; measured from the POST to the \`preauth.captured\` event read from the stream with XREAD BLOCK (notify worker verifies, confirming query, event).`,
    '',
    '| p50 ms | p99 ms | max ms | target |',
    '|---:|---:|---:|---|',
    `| ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | p99 ≤ ${TARGET.finalP99Ms} ms ${mark(r.p99 <= TARGET.finalP99Ms)} |`,
  ];
}

function scaleSection(points: ScalePoint[], s: Sizes): string[] {
  const first = points[0];
  const lines = [
    `### Scale (all roles, POLL_SCHEDULE=1h; ${s.activeOrders} orders queried ${s.requeryRounds} times over at each size)`,
    '',
    "Redis bytes per order: INFO used_memory delta from 0 tracked orders. RSS and V8 heap used: the daemon process after GC (the daemon tracks the orders itself, in batches of 1000, so what it allocated for that is behind it). CPU per poll: the daemon process, over the fixed set's confirming queries (engine.requery), simulator in its own process.",
    '',
    '| tracked orders | Redis bytes/order | daemon RSS MB | heap used MB | CPU µs/poll | polls/s | targets |',
    '|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const p of points) {
    const targets: string[] = [];
    if (p.redisBytesPerOrder !== null)
      targets.push(`≤ ${int(TARGET.redisBytesPerOrder)} B/order ${mark(p.redisBytesPerOrder <= TARGET.redisBytesPerOrder)}`);
    targets.push(`RSS ≤ ${mb(TARGET.rssBytes)} MB ${mark(p.rss <= TARGET.rssBytes)}`);
    if (first && p !== first)
      targets.push(`CPU/poll ≤ ${TARGET.flatRatio}× at 0 ${mark(p.cpuUsPerPoll <= first.cpuUsPerPoll * TARGET.flatRatio)}`);
    lines.push(
      `| ${int(p.orders)} | ${p.redisBytesPerOrder === null ? '—' : int(p.redisBytesPerOrder)} | ${mb(p.rss)} | ${mb(p.heapUsed)} | ${ms(p.cpuUsPerPoll)} | ${int(p.pollsPerSec)} | ${targets.join(', ')} |`,
    );
  }
  return lines;
}

/**
 * Runs the three extended benchmarks (callback ingest, callback → final event latency, scale) and returns their
 * Markdown section. A part that fails is reported in the section, not thrown. `quick`: smaller sizes.
 */
export async function runExtended(opts: { quick: boolean; only?: string }): Promise<string> {
  const sizes = opts.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'llrecon-bench-ext-'));
  const redis = await startRedisServer({ dir: join(dir, 'redis'), appendOnly: true });
  const cores = (await import('node:os')).availableParallelism();
  const lines = [
    '## Extended: callback ingest, callback → event latency, scale',
    '',
    `redis-server: append-only on (fsync every second), its own process; ${cores} cores.`,
    '',
  ];
  try {
    const keys = makeKeySet(1024);
    const parts: Array<[string, () => Promise<string[]>]> = [
      ['callback ingest', async () => ingestSection(await measureIngest({ keys, redisUrl: redis.url, dataDir: dir, sizes }), cores)],
      [
        'callback → final event latency',
        async () => latencySection(await measureFinalLatency({ keys, redisUrl: redis.url, dataDir: dir, sizes })),
      ],
      ['scale', async () => scaleSection(await measureScale({ keys, redisUrl: redis.url, dataDir: dir, sizes }), sizes)],
    ];
    for (const [name, run] of parts) {
      if (opts.only && !name.includes(opts.only)) continue;
      progress(`extended: ${name}`);
      try {
        lines.push(...(await run()), '');
      } catch (err) {
        lines.push(`### ${name}`, '', `✗ not measured: ${err instanceof Error ? err.message : String(err)}`, '');
      }
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join('\n');
}
