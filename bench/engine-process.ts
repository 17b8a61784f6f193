// A whole llrecon daemon in a process of its own (startDaemon: the engine with all roles and the HTTP server),
// for measuring its resident memory as tracked orders grow. Started by measureDaemonRss() (bench/memory.ts) with
// `fork` and `--expose-gc`:
//   env    BENCH_REDIS_URL      the benchmark's Redis
//          BENCH_ORDERS         how many orders to track (in batches of 1000, schedule 1h: none is polled)
//          BENCH_REPORT_EVERY   report each time the count passes a multiple of this (and at the end)
//          BENCH_DATA_DIR       a scratch directory
//   stdout one JSON line per report, from 0 orders on: {"orders","rss","heapTotal","heapUsed","external",
//          "anonymous"} (bytes, after GC)
// Nothing is ever queried: the query URL is a closed loopback port and the first poll is an hour away.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { batches, benchOrders, makeKeySet } from './harness.js';

/** One report line of this process. */
export interface RssReport {
  orders: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  /** Anonymous (private) memory from /proc/self/smaps_rollup: RSS without the mapped node binary; null off Linux. */
  anonymous: number | null;
}

/** `Anonymous:` of /proc/self/smaps_rollup in bytes (null where there is no such file). */
function anonymousBytes(): number | null {
  try {
    const kb = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`engine-process: ${name} is not set`);
  return v;
}

/** Collects garbage (when run with --expose-gc) and prints the memory figures. */
async function report(orders: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await sleep(50);
  gc?.();
  const m = process.memoryUsage();
  const line: RssReport = {
    orders,
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    anonymous: anonymousBytes(),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const total = Number(env('BENCH_ORDERS'));
  const every = Number(env('BENCH_REPORT_EVERY'));
  const keys = makeKeySet(1024);
  const config = loadConfig(
    {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: keys.oidPartner,
      LIANLIAN_PRIVATE_KEY: keys.merchant.privatePem,
      LIANLIAN_PUBLIC_KEY: keys.lianlian.publicPem,
      LIANLIAN_QUERY_URL: 'http://127.0.0.1:9/preauthquery.htm',
      ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      REDIS_URL: env('BENCH_REDIS_URL'),
      REDIS_PREFIX: `bench-rss-${randomBytes(3).toString('hex')}`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      POLL_SCHEDULE: '1h',
      LOG_LEVEL: 'silent',
      DATA_DIR: env('BENCH_DATA_DIR'),
    },
    { cwd: env('BENCH_DATA_DIR') },
  );
  const daemon = await startDaemon(config, { log: createLogger({ level: 'silent' }), banner: () => undefined });
  try {
    await report(0);
    let tracked = 0;
    for (const body of batches(benchOrders('RSS', total, Date.now()), 1000)) {
      const r = await daemon.engine.track(body, { source: 'embed', actor: 'bench' });
      if (r.accepted.length !== body.orders.length) throw new Error(`engine-process: ${r.duplicates.length} orders not accepted`);
      const before = tracked;
      tracked += body.orders.length;
      if (Math.floor(tracked / every) > Math.floor(before / every) || tracked === total) await report(tracked);
    }
  } finally {
    await daemon.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`engine-process failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
