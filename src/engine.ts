// createEngine(): wires one llrecon process — Redis connections, the order store, the queues, the rate cap,
// the query client and, per role, the workers — behind the Engine surface that the HTTP server, the CLI and
// embedding programs use.
//
// Embedding / tests:
//   const engine = await createEngine({ config, oidPartner, merchantKey, lianlianKey, queryUrl });
//   await engine.start();            // starts the workers of config.roles
//   await engine.track({ no_order, dt_order, money_order }, { source: 'embed' });
//   ...; await engine.close();
// For a sandbox with a simulator and generated keys, see startSandboxRuntime() in src/sandbox/runtime.ts.
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { SessionStore } from './auth/sessions.js';
import { PreauthQueryClient } from './clients/preauth-query-client.js';
import type { Config } from './config.js';
import { LlreconError } from './errors.js';
import type { EngineContext } from './engine-context.js';
import type { ActionMeta, Engine, Readiness } from './engine-types.js';
import type { PrivateKey, PublicKey } from './lianlian/keys.js';
import { createLogger, type Logger } from './log.js';
import { maskUrl } from './config.js';
import { createMetrics } from './metrics.js';
import { listCallbacks, listOrderRejected } from './notify/callback-log.js';
import { CallbackDoor } from './notify/door.js';
import { acceptNotification } from './notify/intake.js';
import { ensurePollJobs } from './poll/ensure-poll-jobs.js';
import { requestConfirm } from './poll/request-confirm.js';
import { trackOrders } from './poll/track.js';
import { untrackOrder, untrackedAt } from './poll/untrack.js';
import { closeQueues, closeWorker, createQueues, type WorkerTuning } from './queues/queues.js';
import {
  REDIS_DOWN_STATES,
  closeRedis,
  createRedis,
  redisConnectionConfig,
  isConnectionError,
  redisErrorCode,
  redisErrorLogger,
  settleBeforeClose,
} from './redis/connection.js';
import { WriteProbe } from './redis/write-probe.js';
import { trimEventsOlderThan } from './store/event-stream.js';
import { ensureDataFormat } from './store/data-format.js';
import { groupLagWatch } from './events/group-lag.js';
import { keyspace } from './store/keyspace.js';
import { pageOrders } from './store/order-page.js';
import { OrderStore } from './store/order-store.js';
import { RETENTION_EVERY_MS, sweepRetention, type RetentionResult } from './store/retention.js';
import { SlidingWindowLimiter } from './store/rate-limiter.js';
import { createSettlements } from './settlement/for-engine.js';
import { createEngineActions } from './actions/for-engine.js';
import type { ActionRunnerOptions } from './actions/runner.js';
import { withTimeout } from './timeout.js';
import { createWebhookSink } from './webhooks/dispatcher.js';
import { webhookMetrics } from './webhooks/metrics.js';
import { createConfirmWorker } from '../workers/confirm-worker.js';
import { createNotifyWorker } from '../workers/notify-worker.js';
import { createPollWorker, pollLagHistogram } from '../workers/poll-worker.js';
import { createWebhookWorker } from '../workers/webhook-worker.js';

export interface EngineOptions {
  config: Config;
  log?: Logger;
  oidPartner: string;
  merchantKey: PrivateKey;
  lianlianKey: PublicKey;
  queryUrl: string;
  now?: () => number;
  random?: () => number;
  /** Worker lock tuning (tests shorten it so killed workers' jobs come back quickly). */
  tuning?: WorkerTuning;
  /** Base of the capture/void endpoints (default: LIANLIAN_TRADER_URL, production's, or the query URL's origin). */
  traderUrl?: string;
  /** How often the action runner looks for due actions and sweeps the holds (tests shorten them). */
  actionRunner?: ActionRunnerOptions;
}

export interface RunningEngine extends Engine {
  readonly ctx: EngineContext;
  /** Start the workers of config.roles (idempotent). */
  start(): Promise<void>;
  /** Run the janitor once now (tests, operators). */
  sweep(): Promise<{ checked: number; added: number; retried: number }>;
  /** Run the retention sweep once now, without waiting for this period's claim (tests, operators). */
  retention(): Promise<RetentionResult>;
}

/** How long shutdown waits for in-flight jobs before handing them back (they are recovered as stalled). */
export const SHUTDOWN_GRACE_MS = 10_000;
const JANITOR_EVERY_MS = 5 * 60_000;
const TRIM_EVERY_MS = 60_000;
/** How often Redis's taking writes is checked besides /readyz (the alert fires even when nothing probes). */
const WRITE_PROBE_EVERY_MS = 5_000;

/** How long one shutdown step may take once Redis is away (nothing can finish without it). */
const CLOSE_STEP_MS = 2_000;
/** How long a scrape waits for the counts read from Redis before leaving those gauges out. */
const GAUGE_READ_MS = 1_500;

export async function createEngine(opts: EngineOptions): Promise<RunningEngine> {
  const { config } = opts;
  const log = opts.log ?? createLogger({ level: config.logLevel });
  if (!config.redisUrl)
    throw new LlreconError('LLRECON_CONFIG', 'REDIS_URL: createEngine needs a Redis (the daemon starts one when REDIS_URL is unset)');
  const redisCfg = redisConnectionConfig(config, config.redisUrl);
  const logError = redisErrorLogger(log, config.redisUrl);
  // the last connection error since the last time Redis was ready: /readyz gives it as the reason
  let redisError: Error | null = null;
  const onError = (err: Error) => {
    redisError = err;
    logError(err);
  };
  const redis = createRedis(redisCfg, 'client', { onError });
  redis.on('ready', () => {
    if (redisError) log.info({ url: maskUrl(config.redisUrl as string) }, 'redis: connected again');
    redisError = null;
  });
  // away: known lost, or not reached yet after an error (a wrong REDIS_URL never gets past connecting)
  const redisAway = () => REDIS_DOWN_STATES.has(redis.status) || (redis.status !== 'ready' && redisError !== null);
  const fromRedis = <T>(read: () => Promise<T>): Promise<T | null> =>
    redisAway()
      ? Promise.resolve(null)
      : withTimeout(
          read().catch(() => null),
          GAUGE_READ_MS,
          () => null,
        );
  const queueConn = createRedis(redisCfg, 'queue', { onError });
  const workerConn = createRedis(redisCfg, 'worker', { onError });
  const ks = keyspace(config.redisPrefix, config.redisCluster);
  const store = new OrderStore(redis, ks, opts.oidPartner);
  const queues = createQueues(queueConn as unknown as ConnectionOptions, ks.bullPrefix);
  const allQueues: Queue[] = [...queues.all];
  const roles = config.roles;
  const metrics = createMetrics({
    roles,
    orderCounts: () => fromRedis(() => store.counts()),
    queueCounts: () =>
      fromRedis(async () => {
        const out: Record<string, Record<string, number>> = {};
        for (const q of allQueues) out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
        return out;
      }),
  });
  const client = roles.has('query')
    ? new PreauthQueryClient({
        url: opts.queryUrl,
        oidPartner: opts.oidPartner,
        privateKey: opts.merchantKey,
        lianlianPublicKey: opts.lianlianKey,
        timeoutMs: config.queryTimeoutMs,
        platform: config.platform,
      })
    : null;
  const ctx: EngineContext = {
    config,
    log,
    redis,
    ks,
    store,
    metrics,
    queues,
    limiter: new SlidingWindowLimiter(redis, ks, { limit: config.queryRatePerSec }),
    oidPartner: opts.oidPartner,
    lianlianKey: opts.lianlianKey,
    client,
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
  };

  // optional event webhooks: every process lists the queue (dashboard, metrics); `notify` processes deliver
  const sink = config.webhook
    ? createWebhookSink(
        ctx,
        workerConn as unknown as ConnectionOptions,
        { ...config.webhook, tuning: opts.tuning ?? {} },
        createWebhookWorker,
      )
    : null;
  allQueues.push(...(sink ? [sink.queue as Queue] : []));
  // a BullMQ queue re-emits its connection's errors; without a listener it prints each one with its stack
  for (const q of allQueues) q.on('error', onError);
  if (sink && roles.has('notify')) {
    // delivery series from start-up, so that increase() sees the first failure
    const { deliveries } = webhookMetrics(metrics.registry);
    for (const result of ['delivered', 'failed', 'gone']) deliveries.inc({ result }, 0);
  }

  // the poll-lag series from start-up, before the first poll
  if (roles.has('query')) pollLagHistogram(metrics.registry);

  // /readyz fails, and an alert fires, while Redis refuses writes (OOM, read-only replica); probed on a timer too
  const writeProbe = new WriteProbe(redis, ks.writeProbe, log, metrics.alerts, metrics.registry);
  const probeWrites = () => (redis.status === 'ready' ? writeProbe.check(ctx.now()) : Promise.resolve(writeProbe.verdict));

  const workers: Worker[] = [];
  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let closed = false;

  const sweep = () => ensurePollJobs(ctx);
  const retention = (claimMs?: number) =>
    sweepRetention(ctx, {
      retentionMs: config.ordersRetentionMs,
      now: ctx.now(),
      queues: allQueues,
      ...(claimMs === undefined ? {} : { claimMs }),
    });
  const settlements = createSettlements(ctx);
  const actions = createEngineActions(ctx, {
    queryUrl: opts.queryUrl,
    merchantKey: opts.merchantKey,
    ...(opts.traderUrl === undefined ? {} : { traderUrl: opts.traderUrl }),
    ...(opts.actionRunner === undefined ? {} : { runner: opts.actionRunner }),
  });

  const engine: RunningEngine = {
    ctx,
    config,
    log,
    store,
    metrics,
    queues: allQueues,
    sessions: new SessionStore(redis, ks),
    settlements,
    actions,

    async start() {
      if (started) return;
      // the data-format check (and migrations) before any work: a newer format refuses to start (LLRECON_DATA_FORMAT)
      await ensureDataFormat({ redis, ks }, { log });
      started = true;
      const conn = workerConn as unknown as ConnectionOptions;
      const tuning = opts.tuning ?? {};
      if (roles.has('query')) workers.push(createPollWorker(ctx, conn, tuning) as Worker, createConfirmWorker(ctx, conn, tuning) as Worker);
      if (roles.has('notify')) workers.push(createNotifyWorker(ctx, conn, tuning) as Worker);
      if (sink && roles.has('notify')) await sink.start();
      for (const w of workers) {
        // a lost connection is reported once for all connections (onError), not by every worker at every retry
        w.on('error', (err) => (isConnectionError(err) ? onError(err) : log.error({ err: err.message, queue: w.name }, 'worker error')));
        w.on('failed', (job, err) => log.error({ queue: w.name, job: job?.id, err: err.message }, 'job failed'));
        void w.run();
      }
      // the watch of SETTLEMENT_DIR and the daily SFTP fetch: one query process at a time (a Redis lease)
      if (roles.has('query')) settlements.start();
      // captures and voids: sent at most once, settled by query; the hold sweep (one process at a time)
      if (roles.has('query')) actions.start();
      if (roles.has('query')) {
        await sweep().catch((err: Error) => log.error({ err: err.message }, 'janitor failed'));
        timers.push(
          setInterval(() => void sweep().catch((err: Error) => log.error({ err: err.message }, 'janitor failed')), JANITOR_EVERY_MS),
        );
      }
      if (roles.has('query')) {
        const retain = () =>
          retention()
            .then((r) => {
              if (r.ordersRemoved + r.failedJobsRemoved > 0) log.info(r, 'retention: removed what ended long ago');
            })
            .catch((err: Error) => log.error({ err: err.message }, 'retention sweep failed'));
        void retain();
        timers.push(setInterval(() => void retain(), RETENTION_EVERY_MS));
      }
      const trim = () =>
        trimEventsOlderThan(redis, ks, config.eventsRetentionMs, ctx.now()).catch((err: Error) =>
          log.error({ err: err.message }, 'event stream trim failed'),
        );
      timers.push(setInterval(() => void trim(), TRIM_EVERY_MS));
      timers.push(setInterval(() => void probeWrites().catch(() => undefined), WRITE_PROBE_EVERY_MS));
      if (roles.has('api') || roles.has('query')) {
        // consumer groups falling behind toward the trim point: gauges, and a warning before they lose events
        const groups = groupLagWatch({
          redis,
          stream: ks.events,
          retentionMs: config.eventsRetentionMs,
          registry: metrics.registry,
          log,
          now: ctx.now,
        });
        const checkGroups = () => groups().catch((err: Error) => log.error({ err: err.message }, 'event consumer group check failed'));
        void checkGroups();
        timers.push(setInterval(() => void checkGroups(), TRIM_EVERY_MS));
      }
      for (const t of timers) t.unref();
    },

    sweep,
    retention: () => retention(0),

    track: (body: unknown, meta: ActionMeta) => trackOrders(ctx, body, meta),
    requery: (noOrder: string, meta: ActionMeta) => requestConfirm(ctx, noOrder, 'requery', meta),
    untrack: (noOrder: string, meta: ActionMeta) => untrackOrder(ctx, noOrder, meta),
    untrackedAt: (noOrder: string) => untrackedAt(ctx, noOrder),
    listOrders: (q) => pageOrders(ctx, q),
    acceptNotification: (raw: string, kind: 'async' | 'return') => acceptNotification(ctx, raw, kind),
    callbacks: (verdict, limit) => listCallbacks(ctx, verdict, limit),
    orderRejectedCallbacks: (noOrder, limit) => listOrderRejected(ctx, noOrder, limit),
    callbackDoor: new CallbackDoor(ctx),

    // down once a connection was lost (ioredis is between attempts); a first connect or an attempt under way is
    // given the request's deadline instead
    redisReady: () => !REDIS_DOWN_STATES.has(redis.status),

    async readiness(): Promise<Readiness> {
      const checks: Record<string, boolean> = {};
      const reasons: string[] = [];
      const url = maskUrl(config.redisUrl as string);
      if (redis.status === 'ready')
        checks.redis = await redis.ping().then(
          (r) => r === 'PONG',
          () => false,
        );
      else checks.redis = false;
      if (!checks.redis) {
        const err = redisError as Error | null;
        reasons.push(err ? `redis: cannot use ${url} (${redisErrorCode(err)}); retrying` : `redis: connecting to ${url}`);
      } else {
        const verdict = await probeWrites();
        checks.redis_writes = verdict.writable;
        if (!verdict.writable) reasons.push(verdict.reason);
      }
      if (roles.has('query') || roles.has('notify')) {
        const stopped = workers.filter((w) => !w.isRunning()).map((w) => w.name);
        checks.workers = started && stopped.length === 0;
        if (!started) reasons.push('workers: not started yet (they start once Redis answers)');
        else if (stopped.length > 0) reasons.push(`workers: not running: ${stopped.join(', ')}`);
      }
      return { ready: Object.values(checks).every(Boolean), checks, ...(reasons.length > 0 ? { reasons } : {}) };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      // with Redis away nothing in flight can finish (results are written there): no grace, and every step bounded
      const away = redisAway();
      const bounded = (work: Promise<unknown>, ms: number) =>
        withTimeout(
          work.catch((err: Error) => log.warn({ err: err.message }, 'shutdown step failed')),
          ms,
          () => log.warn({ ms }, 'shutdown step did not finish in time; going on'),
        );
      // stop taking work; give in-flight jobs SHUTDOWN_GRACE_MS, then hand them back (recovered as stalled)
      const grace = away ? 0 : SHUTDOWN_GRACE_MS;
      await Promise.all(workers.map((w) => bounded(closeWorker(w, grace), grace + CLOSE_STEP_MS)));
      if (sink) await bounded(sink.close(), (away ? 0 : SHUTDOWN_GRACE_MS) + CLOSE_STEP_MS);
      await settleBeforeClose(
        queueConn,
        queues.all.map((q) => q.waitUntilReady()),
      );
      await bounded(settlements.close(), CLOSE_STEP_MS);
      await bounded(actions.close(), CLOSE_STEP_MS);
      await bounded(closeQueues(queues), CLOSE_STEP_MS);
      client?.close();
      await Promise.allSettled([closeRedis(redis), closeRedis(queueConn), closeRedis(workerConn)]);
    },
  };
  return engine;
}
