// The chaos scenario: a whole llrecon deployment on loopback — its own append-only redis-server, the LianLian
// simulator (a child process) playing scripted order lives with faults, one API process and two query/notify
// worker processes — while the workers are SIGKILLed again and again, Redis is killed and restarted once and
// goes away for a while once. Then it checks that every order ended right, with each change's event exactly
// once, and that the query cap held. `npm run chaos` runs it big (chaos/run.ts), the test suite small
// (test/chaos.test.ts).
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { generateKeyPair } from '../src/lianlian/keys.js';
import { FINAL_STATES } from '../src/reconcile/states.js';
import { keyspace } from '../src/store/keyspace.js';
import { OrderStore } from '../src/store/order-store.js';
import { readLogs } from './logs.js';
import { CHAOS_CARD_NO, forgedNotification, postCallback, trackBatch } from './api-calls.js';
import {
  checkCallbacks,
  checkLogsClean,
  checkFinalStates,
  checkGrantsAtRedis,
  checkNothingLost,
  checkOnlySignedStates,
  checkRateCap,
  checkSequences,
  checkUniqueIds,
  eventsByOrder,
  maxInWindow,
  worstWindow,
  type ChaosCheck,
  type StoredOrder,
} from './checks.js';
import { CHAOS_FAULT_KINDS, failuresSeen } from './faults.js';
import { actionRequests, actionsLostInACrash, checkActions, driveActions, markActionOrders } from './actions.js';
import { makeOrders, type ChaosOrder } from './orders.js';
import { EngineProcess, type UnexpectedExit } from './processes.js';
import { GrantWatch } from './grant-watch.js';
import type { ObserverLoop } from './simulator-process.js';
import { readEvents } from './redis-reads.js';
import { RestartableRedis } from './redis.js';
import { SimulatorProcess } from './simulator-client.js';

/** The size and pace of a run. Times are ms. */
export interface ChaosOptions {
  /** Orders tracked (by POST /orders, in batches of at most 1000, in `trackWaves` waves). */
  orders: number;
  /** Share (0…1) of pre-auth queries that fail, split equally among the fault kinds (stale only for orders whose every step is a later phase). */
  faultRate: number;
  /** QUERY_RATE_PER_SEC of every process. */
  queryRatePerSec: number;
  /**
   * How much shorter than a second the window of the cap check at the simulator is (0: exact). A machine busy
   * with more than this run (the whole test suite on two cores) can pause a worker between its grant and its
   * send, or the simulator before it timestamps an arrival, for longer than the limiter's 100 ms margin.
   */
  observationSlackMs?: number;
  /** QUERY_CONCURRENCY of each worker process. */
  queryConcurrency: number;
  /** QUERY_TIMEOUT, e.g. `1s` (a `stall` fault holds a worker slot this long). */
  queryTimeout: string;
  /** POLL_SCHEDULE, e.g. `100ms`. */
  pollSchedule: string;
  /** How late a `latency` fault answers (below QUERY_TIMEOUT: it is an answer, not a timeout). */
  latencyMs: number;
  /** BullMQ lock of the worker processes (tuning.lockDurationMs). */
  lockMs: number;
  /** Answers each non-final step of an order's life lasts (see orders.ts). */
  answersPerStep: number;
  /** One block of orders in this many has the simulator send notifications to the API process. */
  notifyEvery: number;
  /** Orders tracked first, `warmupMs` before the chaos phase, so that the workers are warm when the load comes. */
  warmupOrders: number;
  warmupMs: number;
  /** Waves of POST /orders for the other orders, spread evenly over the first `trackOverMs` of the chaos phase. */
  trackWaves: number;
  trackOverMs: number;
  /** How long the chaos lasts: worker kills, the Redis restart and outage, forged callbacks. */
  chaosMs: number;
  /** Each worker process is SIGKILLed after a uniformly random life of this many ms, then started again. */
  killEveryMs: readonly [number, number];
  /** A life counts from the process's readiness (at most 30 s after its start), not from its start. */
  lifeFromReadiness?: boolean;
  /** When (into the chaos phase) Redis is SIGKILLed and started again at once. */
  redisRestartAtMs: number;
  /** When (into the chaos phase) Redis is stopped (SIGTERM), and for how long it stays away. */
  outageAtMs: number;
  outageMs: number;
  /** Callbacks signed with a key that is not LianLian's, claiming a state their order never has. */
  forgedCallbacks: number;
  /** One in this many orders whose life goes on from PR07 waits there for llrecon's own capture or void (default 0: none). */
  actionEvery?: number;
  /** How long after the chaos phase every order may take to end. */
  settleMs: number;
  /** How long to keep watching once every order is final (late events would show up then). */
  quietMs: number;
  /** RSA key size of the merchant's and the simulator's keys. */
  keyBits: number;
  /** Where the processes' logs go (kept after the run), as `chaos-<run tag>-<process>-<incarnation>.log`. */
  logDir: string;
  /** Progress lines (nothing is printed without it). */
  progress?: (line: string) => void;
  /** Told every secret of the run (keys, token) as soon as they exist, e.g. for a log scan. */
  registerSecrets?: (...secrets: string[]) => void;
}

/** The figures of a run. Times are ms. */
export interface ChaosFigures {
  orders: number;
  ordersByPath: Record<string, number>;
  ordersNotifying: number;
  events: number;
  eventsByVia: Record<string, number>;
  /** Pre-auth queries that reached the simulator. */
  queries: number;
  /** SIGKILLs of worker processes. */
  workerKills: number;
  /** Worker process starts (the first ones included). */
  workerStarts: number;
  faultRate: number;
  faultKinds: readonly string[];
  /** Failed queries per kind as the workers logged them (latency faults answer, so they are not among them). */
  failuresSeen: Record<string, number>;
  redisRestart: { how: 'SIGKILL'; downMs: number };
  outage: { how: 'SIGTERM'; plannedMs: number; downMs: number };
  rate: {
    cap: number;
    max900ms: number;
    max1000ms: number;
    grantsMax1000ms: number;
    /** The longest the grant watch went without reading the rate log while Redis was up (grants stay 1.1 s). */
    grantWatchLongestGapMs: number;
    /** How late the simulator's event loop ran (it timestamps the arrivals), and the priority it ran at. */
    observer: ObserverLoop;
    meanPerSec: number;
    /** Where the busiest 900 ms window (as the simulator saw it) began, in ms since the run began. */
    worst900msAt: number | null;
    /** How long before that window a worker process had last been started (a cold start sends late). */
    workerStartBeforeWorstMs: number | null;
  };
  callbacks: { accepted: number; rejected: number; forgedSent: number };
  unexpectedExits: UnexpectedExit[];
  durationMs: number;
  /** From the first POST /orders until every order was final (null: they never all were). */
  allFinalAfterMs: number | null;
}

/** What a run found: figures, checks, and where its logs are. */
export interface ChaosReport {
  figures: ChaosFigures;
  checks: ChaosCheck[];
  passed: boolean;
  logDir: string;
  /** The run's log files in logDir, as a glob: `chaos-<run tag>-*.log`. */
  logFiles: string;
}

const uniform = (lo: number, hi: number): number => lo + randomInt(Math.max(1, hi - lo));

/** The run's secrets and identities. */
function makeIdentity(bits: number) {
  return {
    merchant: generateKeyPair(bits),
    lianlian: generateKeyPair(bits),
    stranger: generateKeyPair(bits),
    adminToken: randomBytes(24).toString('base64url'),
    oidPartner: `2026${String(randomInt(10 ** 14)).padStart(14, '0')}`,
  };
}

/** Runs the scenario and returns what it found. Throws only when the run itself broke, never for a failed check. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const say = opts.progress ?? (() => undefined);
  const t0 = performance.now();
  const elapsed = () => `+${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const work = mkdtempSync(join(tmpdir(), 'llrecon-chaos-'));
  mkdirSync(opts.logDir, { recursive: true });
  const id = makeIdentity(opts.keyBits);
  const { merchant, lianlian, stranger } = id;
  const secrets = [
    id.adminToken,
    merchant.privatePem,
    merchant.privateBase64,
    lianlian.privatePem,
    lianlian.privateBase64,
    stranger.privatePem,
    stranger.privateBase64,
  ];
  opts.registerSecrets?.(...secrets);
  const ks = keyspace('chaos');
  const tag = randomBytes(3).toString('hex');
  const files = `chaos-${tag}-`;

  const redis = new RestartableRedis(join(work, 'redis'));
  const unexpected: UnexpectedExit[] = [];
  const processes: EngineProcess[] = [];
  let simulator: SimulatorProcess | null = null;
  let probe: Redis | null = null;
  let grants: GrantWatch | null = null;

  try {
    await redis.start();
    const sim = await SimulatorProcess.start({
      lianlianPrivatePem: lianlian.privatePem,
      merchantPublicPem: merchant.publicPem,
      oidPartner: id.oidPartner,
      faultRate: opts.faultRate,
      latencyMs: opts.latencyMs,
    });
    simulator = sim;
    const env: Record<string, string> = {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: id.oidPartner,
      LIANLIAN_PRIVATE_KEY: merchant.privatePem,
      LIANLIAN_PUBLIC_KEY: lianlian.publicPem,
      LIANLIAN_QUERY_URL: sim.queryUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: ks.base,
      ADMIN_TOKEN: id.adminToken,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      QUERY_RATE_PER_SEC: String(opts.queryRatePerSec),
      QUERY_CONCURRENCY: String(opts.queryConcurrency),
      QUERY_TIMEOUT: opts.queryTimeout,
      POLL_SCHEDULE: opts.pollSchedule,
      LOG_LEVEL: 'info',
      ACTIONS_ENABLED: 'true',
      LIANLIAN_TRADER_URL: `${sim.url}/`,
      CHAOS_LOCK_MS: String(opts.lockMs),
      CHAOS_DIR: work,
      DATA_DIR: work,
    };
    const api = new EngineProcess(`${files}api`, { ...env, ROLES: 'api' }, opts.logDir, unexpected);
    const workers = [1, 2].map((i) => new EngineProcess(`${files}worker-${i}`, { ...env, ROLES: 'query,notify' }, opts.logDir, unexpected));
    processes.push(api, ...workers);
    const [apiUrl] = await Promise.all([api.start(), ...workers.map((w) => w.start())]);
    // The run's own connection must be back within moments of Redis, before any worker can be granted a query
    // (grants stay in the rate log for only a second): retry every 100 ms (llrecon's back off up to 20 s), and if
    // it connects while Redis is still loading its AOF, look again in 100 ms, not after Redis's loading estimate.
    probe = new Redis(redis.url, { retryStrategy: () => 100, maxLoadingRetryTime: 100, maxRetriesPerRequest: null });
    probe.on('error', () => undefined);
    const store = new OrderStore(probe, ks, id.oidPartner);
    grants = await GrantWatch.start(redis.url, ks.rateLog);
    say(`${elapsed()} redis ${redis.url}, simulator ${sim.url}, api ${apiUrl}, 2 workers up`);

    const orders = makeOrders({
      count: opts.orders,
      answersPerStep: opts.answersPerStep,
      notifyEvery: opts.notifyEvery,
      tag,
      nowMs: Date.now(),
    });
    // a share of them waits at PR07 for llrecon's capture or void (chaos/actions.ts)
    const actionOrders = markActionOrders(orders, opts.actionEvery ?? 0);
    const finalCount = async (): Promise<number> => {
      const counts = await store.counts();
      return FINAL_STATES.reduce((n, s) => n + counts[s], 0);
    };
    const kills = () => workers.reduce((n, w) => n + w.kills, 0);

    // ---- the warm-up wave, then the chaos phase: orders come in while workers die and Redis goes away ----
    const deadline = Date.now() + opts.warmupMs + opts.chaosMs + opts.settleMs;
    const accepted = new Set<string>();
    let firstTrackAt: number | null = null;
    const trackWave = async (wave: readonly ChaosOrder[]) => {
      await sim.addOrders(
        wave.map((o) => ({
          oid_partner: id.oidPartner,
          no_order: o.no_order,
          dt_order: o.dt_order,
          money_order: o.money_order,
          oid_paybill: o.oid_paybill,
          timeline: o.timeline,
          ...(o.notifies ? { notifyUrl: `${apiUrl}/notify/lianlian`, notifyOn: [...o.path.codes] } : {}),
        })),
      );
      for (let i = 0; i < wave.length; i += 1000) {
        firstTrackAt ??= performance.now();
        for (const no of await trackBatch(apiUrl, id.adminToken, wave.slice(i, i + 1000), deadline)) accepted.add(no);
      }
    };
    const warmup = orders.slice(0, opts.warmupOrders);
    const rest = orders.slice(opts.warmupOrders);
    await trackWave(warmup);
    say(`${elapsed()} warm-up: ${warmup.length} orders tracked`);
    await sleep(opts.warmupMs);

    const chaosStart = performance.now();
    const chaosEnd = chaosStart + opts.chaosMs;
    const at = (ms: number) => sleep(Math.max(0, chaosStart + ms - performance.now()));
    const track = async () => {
      const perWave = Math.ceil(rest.length / opts.trackWaves);
      for (let w = 0; w < opts.trackWaves; w++) {
        await at((w * opts.trackOverMs) / opts.trackWaves);
        await trackWave(rest.slice(w * perWave, (w + 1) * perWave));
      }
    };

    const killLoop = async (w: EngineProcess) => {
      let ready: Promise<unknown> = Promise.resolve(); // the first incarnation was started before the loop
      for (;;) {
        // a life counts from readiness (at most 30 s later): a process killed while it still loads its modules
        // does no work, and on a loaded machine loading alone can take longer than a whole life
        if (opts.lifeFromReadiness) await Promise.race([ready, sleep(30_000)]);
        const life = uniform(opts.killEveryMs[0], opts.killEveryMs[1]);
        if (performance.now() + life >= chaosEnd) return;
        await sleep(life);
        await w.kill();
        await sleep(uniform(100, 600));
        ready = w.start().catch(() => undefined); // killed again before it was ready, or waiting for Redis: fine
      }
    };

    const down = { restartMs: 0, outageMs: 0, outageEndedAt: 0 };
    // the grant watch looks at the rate log one last time, with Redis's writers held, before Redis goes down
    const lastLook = async () => {
      await probe?.call('CLIENT', 'PAUSE', '5000', 'WRITE');
      await grants?.look();
    };
    const redisChaos = async () => {
      await at(opts.redisRestartAtMs);
      await lastLook();
      let t = performance.now();
      await redis.halt('SIGKILL');
      say(`${elapsed()} redis-server SIGKILLed; started again on the same port and AOF`);
      await redis.start();
      down.restartMs = performance.now() - t;
      await at(opts.outageAtMs);
      await lastLook();
      t = performance.now();
      await redis.halt('SIGTERM');
      say(`${elapsed()} redis-server stopped (SIGTERM): outage of ${opts.outageMs / 1000}s`);
      await sleep(opts.outageMs);
      await redis.start();
      down.outageMs = performance.now() - t;
      down.outageEndedAt = Date.now();
      say(`${elapsed()} redis-server back after ${(down.outageMs / 1000).toFixed(1)}s`);
    };

    // forged callbacks claim `captured` for orders whose life ends `voided`
    const forged: ChaosOrder[] = orders.filter((o) => o.path.codes.includes('PR14')).slice(0, opts.forgedCallbacks);
    // (refused at the door: answered 400, never queued)
    const refusedAtDoor = new Set<string>();
    const forge = async () => {
      for (const [i, o] of forged.entries()) {
        await at(((i + 1) * opts.chaosMs) / (forged.length + 1));
        const sent = await postCallback(
          `${apiUrl}/notify/lianlian`,
          forgedNotification(o, id.oidPartner, 'PR11', stranger.privatePem),
          deadline,
        );
        if (sent === 'refused') refusedAtDoor.add(o.no_order);
      }
    };

    let watching = true;
    const progress = async () => {
      for (;;) {
        await sleep(5000);
        if (!watching) return;
        const final = redis.running ? await Promise.race([finalCount(), sleep(1000).then(() => '?')]) : '?';
        say(`${elapsed()} final ${final}/${orders.length}, queries ${await sim.requests()}, worker kills ${kills()}`);
      }
    };
    const progressDone = progress();

    say(
      `${elapsed()} chaos for ${opts.chaosMs / 1000}s: ${orders.length} orders, ${opts.faultRate * 100}% faults, cap ${opts.queryRatePerSec}/s`,
    );
    let driven = { accepted: 0, refused: [] as string[] };
    const drive = async () => {
      driven = await driveActions(apiUrl, id.adminToken, actionOrders, deadline);
    };
    await Promise.all([track(), redisChaos(), forge(), drive(), ...workers.map(killLoop)]);
    for (const w of workers) if (!w.alive) w.start().catch(() => undefined);
    say(`${elapsed()} chaos over (${kills()} worker kills); waiting for every order to be final`);

    // ---- settling ----
    // settled: every order final, but those whose capture or void was lost with its worker (they stay authorized)
    let allFinalAt: number | null = null;
    let lostChecked = 0;
    while (Date.now() < deadline) {
      const final = await finalCount();
      if (final >= orders.length) {
        allFinalAt = performance.now();
        break;
      }
      if (final >= orders.length - actionOrders.length && Date.now() - lostChecked > 5000) {
        lostChecked = Date.now();
        const lost = await actionsLostInACrash(probe, ks, actionOrders, await actionRequests(sim.url));
        if (final + lost.size >= orders.length) {
          allFinalAt = performance.now();
          break;
        }
      }
      await sleep(250);
    }
    await sleep(opts.quietMs);
    watching = false;
    await progressDone;
    // llrecon's queries end here, so that what LianLian saw and what the cap granted cover the same span
    await Promise.all(workers.map((w) => w.terminate(5000)));
    const seen = await grants.stop();
    grants = null;
    say(`${elapsed()} ${allFinalAt === null ? 'NOT all orders final by the deadline' : 'every order settled'}; checking`);

    // ---- what llrecon wrote, and what LianLian saw ----
    const { times, loop: observer } = await sim.arrivals();
    const grantTimes = seen.times;
    // both clocks' raw times, for whoever looks into a rate finding (seconds since the run began)
    const since = (t: number) => Math.round((t - (performance.timeOrigin + t0)) * 10) / 10000;
    writeFileSync(
      join(opts.logDir, `${files}rate-times.json`),
      JSON.stringify({ arrivals: times.map(since), grants: grantTimes.map(since) }),
    );
    const events = await readEvents(probe, ks.events);
    const records = await store.getMany(orders.map((o) => o.no_order));
    const stored = new Map<string, StoredOrder>(records.map((r) => [r.no_order, { state: r.state, final: r.final, version: r.version }]));
    const failedPollJobs = await probe.zcard(`${ks.bullPrefix}:poll:failed`);
    let callbacksAccepted = 0;
    for (const o of orders.filter((x) => x.notifies)) {
      for (const e of await store.timeline(o.no_order, 100)) if (e.kind === 'callback' && e.verdict === 'accepted') callbacksAccepted++;
    }
    const rejected = (await probe.lrange(ks.rejectedCallbacks, 0, -1)).map(
      (r) => JSON.parse(r) as { no_order: string | null; reason: string },
    );
    const ready = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    const eventsAfterOutage = events.filter((e) => Date.parse(e.time) > down.outageEndedAt).length;

    const requests = await actionRequests(sim.url);
    const lostInACrash = await actionsLostInACrash(probe, ks, actionOrders, requests);
    const checks: ChaosCheck[] = [
      checkFinalStates(orders, stored),
      checkSequences(orders, eventsByOrder(events), id.oidPartner),
      checkOnlySignedStates(orders, events),
      checkNothingLost(orders, accepted, stored, failedPollJobs),
      checkRateCap(times, opts.queryRatePerSec, opts.observationSlackMs),
      checkGrantsAtRedis(grantTimes, times, opts.queryRatePerSec, performance.timeOrigin + t0),
      checkUniqueIds(events),
      checkActions(actionOrders, requests, eventsByOrder(events), driven, lostInACrash),
      checkCallbacks(callbacksAccepted, rejected, forged, refusedAtDoor),
      checkLogsClean(readLogs(opts.logDir, files), secrets, [CHAOS_CARD_NO]),
      {
        name: 'processes rode out the kills and Redis going away, and reconnected on their own',
        pass: unexpected.length === 0 && ready && eventsAfterOutage > 0,
        detail:
          `${unexpected.length} exit(s) nobody asked for` +
          unexpected
            .map(
              (u) =>
                ` [${u.name}#${u.incarnation} code ${u.code} signal ${u.signal}: ${u.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}]`,
            )
            .join('') +
          `; API /readyz ${ready ? '200' : 'not ready'} at the end; ${eventsAfterOutage} events written after the outage`,
      },
    ];

    await Promise.all(processes.map((p) => p.terminate()));
    const worst = worstWindow(times, 900);
    const lastStart =
      worst.start === null ? null : Math.max(...workers.flatMap((w) => w.startedAt.filter((t) => t <= (worst.start as number))));
    const span = times.length > 1 ? ((times.at(-1) as number) - (times[0] as number)) / 1000 : 1;
    const ordersByPath: Record<string, number> = {};
    for (const o of orders) ordersByPath[o.path.name] = (ordersByPath[o.path.name] ?? 0) + 1;
    const eventsByVia: Record<string, number> = {};
    for (const e of events) eventsByVia[e.data.via] = (eventsByVia[e.data.via] ?? 0) + 1;
    const figures: ChaosFigures = {
      orders: orders.length,
      ordersByPath,
      ordersNotifying: orders.filter((o) => o.notifies).length,
      events: events.length,
      eventsByVia,
      queries: times.length,
      workerKills: kills(),
      workerStarts: workers.reduce((n, w) => n + w.starts, 0),
      faultRate: opts.faultRate,
      faultKinds: CHAOS_FAULT_KINDS,
      failuresSeen: failuresSeen(opts.logDir, files),
      redisRestart: { how: 'SIGKILL', downMs: Math.round(down.restartMs) },
      outage: { how: 'SIGTERM', plannedMs: opts.outageMs, downMs: Math.round(down.outageMs) },
      rate: {
        cap: opts.queryRatePerSec,
        max900ms: worst.count,
        max1000ms: maxInWindow(times, 1000),
        grantsMax1000ms: maxInWindow(grantTimes, 1000),
        grantWatchLongestGapMs: seen.longestGapMs,
        observer,
        meanPerSec: Math.round((times.length / span) * 10) / 10,
        worst900msAt: worst.start === null ? null : Math.round(worst.start - (performance.timeOrigin + t0)),
        workerStartBeforeWorstMs:
          worst.start === null || lastStart === null || !Number.isFinite(lastStart) ? null : Math.round(worst.start - lastStart),
      },
      callbacks: { accepted: callbacksAccepted, rejected: rejected.length, forgedSent: forged.length },
      unexpectedExits: unexpected,
      durationMs: Math.round(performance.now() - t0),
      allFinalAfterMs: allFinalAt === null || firstTrackAt === null ? null : Math.round(allFinalAt - firstTrackAt),
    };
    return { figures, checks, passed: checks.every((c) => c.pass), logDir: opts.logDir, logFiles: `${files}*.log` };
  } finally {
    grants?.kill();
    await Promise.all(processes.map((p) => p.kill()));
    await probe?.quit().catch(() => undefined);
    await simulator?.stop();
    await redis.halt('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}
