// Settlement import benchmark (issue 14's target: a monthly file of 1,000,000 rows against 1,000,000 tracked orders at
// ≥ 50,000 rows/s on 2 cores, the daemon's memory flat, within 50 MB of before). Seeds the orders straight into
// Redis in the store's format (pipelined: captured, at the amount each row settles), writes the monthly file, starts
// a daemon (bench/settlement-daemon.ts, ROLES=query, SETTLEMENT_DIR watched) and renames the file into its
// directory; rows/s is the import's own time (from the file's record: the three passes — digest and encoding, the
// check of every line (no rows built), judging and writing (matched rows judged in Redis) — without the watch's 3 s
// wait for a stable size); the daemon's RSS is sampled every 200 ms before and during the import.
//   node --import tsx bench/settlement-import.ts [--rows 1000000] [--write-results]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { withDaemonEnv } from '../src/process-tuning.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import { settlementKeys } from '../src/settlement/keys.js';
import { keyspace } from '../src/store/keyspace.js';
import { HASH_FIELD as F } from '../src/store/order-record.js';
import { writeResults } from './results-file.js';
import { writeMonthlyFile } from './settlement-parse.js';

const OID_PARTNER = '201408071000001546';
const MB = 1024 * 1024;

export interface SettlementImportResult {
  rows: number;
  orders: number;
  seconds: number;
  rowsPerSecond: number;
  counts: Record<string, number>;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  seedSeconds: number;
  /** The 1-minute load average when the import began and when it ended (the machine's other work). */
  loadBefore: number;
  loadAfter: number;
}

/** The orders writeMonthlyFile settles (order i: BENCH<i>, its paybill and amount), captured, pipelined. */
export async function seedOrders(redis: Redis, prefix: string, orders: number): Promise<void> {
  const ks = keyspace(prefix);
  const now = Date.now();
  for (let from = 0; from < orders; from += 10_000) {
    const pipe = redis.pipeline();
    for (let i = from; i < Math.min(orders, from + 10_000); i += 1) {
      const no = `BENCH${String(i).padStart(10, '0')}`;
      const day = String(1 + (i % 31)).padStart(2, '0');
      pipe.hset(ks.order(no), {
        [F.no_order]: no,
        [F.oid_partner]: OID_PARTNER,
        [F.dt_order]: `202405${day}${String(i % 24).padStart(2, '0')}1530`,
        [F.oid_paybill]: `2024050${String(i).padStart(10, '0')}`,
        [F.pay_type]: 'F',
        [F.money_order]: `${(i % 9000) + 1}.${String(i % 100).padStart(2, '0')}`,
        [F.valid_order]: '10080',
        [F.state]: 'captured',
        [F.version]: '3',
        [F.tracked_at]: String(now),
        [F.changed_at]: String(now),
        [F.horizon_at]: String(now + 86_400_000),
        [F.final]: '1',
      });
      pipe.zadd(ks.stateIndex('captured'), now, no);
      pipe.zadd(ks.allOrders, now, no);
    }
    await pipe.exec();
  }
}

export async function benchSettlementImport(rows = 1_000_000, orders = 1_000_000): Promise<SettlementImportResult> {
  const root = await mkdtemp(join(tmpdir(), 'llrecon-bench-settle-'));
  const redisServer = process.env.BENCH_REDIS_URL ? null : await startRedisServer({ dir: join(root, 'redis'), appendOnly: false });
  const redisUrl = process.env.BENCH_REDIS_URL ?? (redisServer?.url as string);
  const redis = new Redis(redisUrl);
  const prefix = `bench${Date.now()}`;
  const watched = join(root, 'incoming');
  const staging = join(root, 'staging');
  await mkdir(watched);
  await mkdir(staging);
  try {
    const seedStart = Date.now();
    await seedOrders(redis, prefix, orders);
    const seedSeconds = (Date.now() - seedStart) / 1000;
    const path = await writeMonthlyFile(staging, rows, 'utf-8', false);
    const name = path.split('/').pop() as string;

    const ts = import.meta.url.endsWith('.ts');
    const child = fork(new URL(`./settlement-daemon.${ts ? 'ts' : 'js'}`, import.meta.url), [], {
      execArgv: ts ? ['--import', 'tsx'] : [],
      // the daemon's deployed memory settings (src/process-tuning.ts)
      env: {
        ...withDaemonEnv(process.env),
        BENCH_REDIS_URL: redisUrl,
        BENCH_PREFIX: prefix,
        BENCH_OID_PARTNER: OID_PARTNER,
        BENCH_SETTLEMENT_DIR: watched,
        BENCH_DATA_DIR: root,
      },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    const samples: { at: number; rss: number }[] = [];
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') ready = true;
      else if (line.startsWith('{')) samples.push(JSON.parse(line) as { at: number; rss: number });
    });
    try {
      while (!ready) await sleep(100);
      await sleep(3000); // settle after start-up
      const beforeFrom = Date.now() - 2000;
      const loadBefore = loadavg()[0] ?? 0;
      await rename(path, join(watched, name));
      const fileKey = settlementKeys(keyspace(prefix)).file(name);
      let record: Record<string, string> = {};
      for (;;) {
        record = await redis.hgetall(fileKey);
        if (record.status === 'done') break;
        await sleep(250);
      }
      const loadAfter = loadavg()[0] ?? 0;
      await sleep(1000);
      const startedAt = Number(record.started_at);
      const importedAt = Number(record.imported_at);
      const before = samples.filter((s) => s.at >= beforeFrom && s.at < startedAt).map((s) => s.rss);
      const during = samples.filter((s) => s.at >= startedAt && s.at <= importedAt).map((s) => s.rss);
      const after = samples.filter((s) => s.at > importedAt).map((s) => s.rss);
      const seconds = (importedAt - startedAt) / 1000;
      const read = Number(record.rows);
      if (read !== rows) throw new Error(`benchmark: imported ${read} rows of ${rows}`);
      return {
        rows: read,
        orders,
        seconds,
        rowsPerSecond: Math.round(read / seconds),
        counts: JSON.parse(record.counts ?? '{}') as Record<string, number>,
        rssBeforeMb: Math.round(Math.max(...before) / MB),
        rssPeakMb: Math.round(Math.max(...during) / MB),
        rssAfterMb: Math.round((after.at(-1) ?? 0) / MB),
        seedSeconds,
        loadBefore,
        loadAfter,
      };
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  } finally {
    await redis.quit();
    await redisServer?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** The result as a markdown section. */
export function settlementReport(r: SettlementImportResult): string {
  const rateOk = r.rowsPerSecond >= 50_000;
  const memOk = r.rssPeakMb - r.rssBeforeMb <= 50;
  return [
    '# Settlement import',
    '',
    `A monthly settlement file of ${r.rows.toLocaleString('en')} rows imported by a daemon (ROLES=query, SETTLEMENT_DIR watched) against ${r.orders.toLocaleString('en')} tracked orders seeded in Redis (${r.seedSeconds.toFixed(0)} s, pipelined), on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}. Reproduce: \`npm run bench:settlement\`.`,
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| import time (3 passes: digest and encoding; every line checked, no rows built; judged and written) | ${r.seconds.toFixed(1)} s | |`,
    `| rows/s | ${r.rowsPerSecond.toLocaleString('en')} ${rateOk ? '✓' : '✗'} | ≥ 50,000 |`,
    `| daemon RSS before → peak while importing → after | ${r.rssBeforeMb} → ${r.rssPeakMb} → ${r.rssAfterMb} MB (+${r.rssPeakMb - r.rssBeforeMb} MB) ${memOk ? '✓' : '✗'} | within 50 MB of before |`,
    `| load average (1 min) as the import began → ended | ${r.loadBefore.toFixed(2)} → ${r.loadAfter.toFixed(2)} | |`,
    `| verdicts | ${Object.entries(r.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n.toLocaleString('en')}`)
      .join(', ')} | |`,
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, orders: { type: 'string' }, 'write-results': { type: 'boolean' } } });
  const rows = Number(values.rows ?? 1_000_000);
  const result = await benchSettlementImport(rows, Number(values.orders ?? rows));
  const report = settlementReport(result);
  console.log(report);
  if (values['write-results']) writeResults('settlement', report);
}
