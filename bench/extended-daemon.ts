// A whole llrecon daemon (startDaemon: engine + HTTP app) in a process of its own, driven over IPC by
// bench/extended.ts, so that the load generator's and the simulator's CPU are not counted in its figures.
// Started with `fork` by startExtendedDaemon():
//   env    BENCH_REDIS_URL, BENCH_DATA_DIR, BENCH_OID_PARTNER, BENCH_MERCHANT_KEY (merchant private key, PEM),
//          BENCH_LIANLIAN_KEY (LianLian public key, PEM), BENCH_QUERY_URL, BENCH_SETTINGS (JSON object of
//          settings as environment variables: ROLES, POLL_SCHEDULE, QUERY_RATE_PER_SEC …)
//   stdout one line `url <base url>` once listening (`url -` without the api role)
//   IPC    see DaemonCommand / DaemonReply
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { batches, benchOrders, waitUntil, type BenchOrder } from './harness.js';

/** A message bench/extended.ts sends to this process. */
export type DaemonCommand =
  | { type: 'track'; orders: BenchOrder[] }
  /** Tracks `count` orders numbered from `from` under `prefix` (made here: nothing large crosses IPC). */
  | { type: 'bulk'; prefix: string; from: number; count: number }
  /** `rounds` times: requery every order of `orders` and wait until each round's queries are done. */
  | { type: 'requery'; orders: string[]; rounds: number }
  /** Memory and CPU so far; `gc` first runs a full GC (then the figures include its pause). */
  | { type: 'stats'; gc?: boolean }
  | { type: 'stop' };

/** This process's answers, each to the command of the same type. */
export type DaemonReply =
  | { type: 'track'; accepted: number }
  | { type: 'bulk'; accepted: number }
  | { type: 'requery'; queries: number; cpuUs: number; wallMs: number }
  /** `loopP99Ms` / `loopMaxMs`: this process's event-loop delay since the last `stats`. */
  | { type: 'stats'; rss: number; heapUsed: number; cpuUs: number; loopP99Ms: number; loopMaxMs: number }
  | { type: 'stop' };

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`extended-daemon: ${name} is not set`);
  return v;
}

/** Completed queries so far: llrecon_queries_total, all labels. */
async function queriesDone(daemon: Daemon): Promise<number> {
  const { values } = await daemon.engine.metrics.queries.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** How late this process's event loop runs timers: a stall of the daemon shows here. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function handle(daemon: Daemon, cmd: DaemonCommand): Promise<DaemonReply> {
  const meta = { source: 'embed', actor: 'bench' } as const;
  switch (cmd.type) {
    case 'track': {
      let accepted = 0;
      for (const body of batches(cmd.orders, 1000)) accepted += (await daemon.engine.track(body, meta)).accepted.length;
      return { type: 'track', accepted };
    }
    case 'bulk': {
      let accepted = 0;
      const dt = Date.now();
      for (let i = 0; i < cmd.count; i += 1000) {
        const orders = benchOrders(cmd.prefix, Math.min(1000, cmd.count - i), dt).map((o, k) => ({
          ...o,
          no_order: `${cmd.prefix}${o.dt_order}${String(cmd.from + i + k).padStart(8, '0')}`,
        }));
        accepted += (await daemon.engine.track({ orders }, meta)).accepted.length;
      }
      return { type: 'bulk', accepted };
    }
    case 'requery': {
      const from = await queriesDone(daemon);
      const cpu0 = cpuUs();
      const t0 = performance.now();
      for (let r = 1; r <= cmd.rounds; r++) {
        await Promise.all(cmd.orders.map((no) => daemon.engine.requery(no, meta)));
        const want = from + r * cmd.orders.length;
        await waitUntil(`requery round ${r}`, async () => (await queriesDone(daemon)) >= want, 60_000, 5);
      }
      return { type: 'requery', queries: (await queriesDone(daemon)) - from, cpuUs: cpuUs() - cpu0, wallMs: performance.now() - t0 };
    }
    case 'stats': {
      const loopP99Ms = loopDelay.percentile(99) / 1e6;
      const loopMaxMs = loopDelay.max / 1e6;
      loopDelay.reset();
      if (cmd.gc !== false) (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      return { type: 'stats', rss: m.rss, heapUsed: m.heapUsed, cpuUs: cpuUs(), loopP99Ms, loopMaxMs };
    }
    case 'stop':
      await daemon.stop();
      return { type: 'stop' };
  }
}

async function main(): Promise<void> {
  const dataDir = env('BENCH_DATA_DIR');
  const config = loadConfig(
    {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: env('BENCH_OID_PARTNER'),
      LIANLIAN_PRIVATE_KEY: env('BENCH_MERCHANT_KEY'),
      LIANLIAN_PUBLIC_KEY: env('BENCH_LIANLIAN_KEY'),
      LIANLIAN_QUERY_URL: env('BENCH_QUERY_URL'),
      ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      REDIS_URL: env('BENCH_REDIS_URL'),
      REDIS_PREFIX: `bench-ext-${randomBytes(3).toString('hex')}`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      ...(JSON.parse(env('BENCH_SETTINGS')) as Record<string, string>),
    },
    { cwd: dataDir },
  );
  const daemon = await startDaemon(config, { log: createLogger({ level: 'silent' }), banner: () => undefined });
  let chain = Promise.resolve();
  process.on('message', (cmd: DaemonCommand) => {
    chain = chain
      .then(() => handle(daemon, cmd))
      .then((reply) => {
        process.send?.(reply);
        if (reply.type === 'stop') process.exit(0);
      })
      .catch((err: unknown) => {
        process.stderr.write(`extended-daemon: ${cmd.type} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      });
  });
  // the parent going away (killed bench) must not leave this process behind
  process.on('disconnect', () => void daemon.stop().then(() => process.exit(0)));
  process.stdout.write(`url ${daemon.url ?? '-'}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`extended-daemon failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
