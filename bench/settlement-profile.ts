// Where a settlement import's time goes, in one process (no daemon): seeds `--orders` captured orders into a Redis it
// starts, writes a monthly file of `--rows` rows, and imports it in-process with importSettlementFile, printing each
// its rows/s and Node's CPU time. `--profile FILE` writes a CPU profile of the import alone (not the seeding) for Chrome's
// DevTools or speedscope:
//   node --import tsx bench/settlement-profile.ts --rows 200000 --profile /tmp/import.cpuprofile
// Redis's side: `redis-cli -p <port> INFO commandstats` while it runs (the port is printed).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import { settlementDeps } from '../src/settlement/deps.js';
import { importSettlementFile } from '../src/settlement/import.js';
import { keyspace } from '../src/store/keyspace.js';
import { defineScripts } from '../src/store/scripts/index.js';
import { seedOrders } from './settlement-import.js';
import { writeMonthlyFile } from './settlement-parse.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, orders: { type: 'string' }, profile: { type: 'string' } },
});
const rows = Number(values.rows);
const orders = Number(values.orders ?? values.rows);
const root = await mkdtemp(join(tmpdir(), 'llrecon-settle-profile-'));
const server = await startRedisServer({ dir: join(root, 'redis'), appendOnly: false });
const redis = new Redis(server.url);
try {
  const prefix = `prof${Date.now()}`;
  process.stderr.write(`redis ${server.url}; seeding ${orders} orders\n`);
  await seedOrders(redis, prefix, orders);
  const path = await writeMonthlyFile(root, rows, 'utf-8', false);
  await redis.config('RESETSTAT');
  defineScripts(redis);
  const deps = settlementDeps({
    redis,
    ks: keyspace(prefix),
    oidPartner: '201408071000001546',
    config: { settlementPreauthPayTypes: ['F'], settlementGraceMs: 86_400_000, settlementEncoding: 'auto' },
    log: createLogger({ level: 'silent' }),
  });
  const session = values.profile === undefined ? null : new Session();
  if (session !== null) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const r = await importSettlementFile(deps, path);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (session !== null) {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(values.profile as string, JSON.stringify(profile));
    session.disconnect();
  }
  const stats = await redis.info('commandstats');
  const evalsha = /^cmdstat_evalsha:calls=(\d+),usec=(\d+)/m.exec(stats);
  const redisCpu = /^used_cpu_user:([\d.]+)/m.exec(await redis.info('cpu'));
  process.stdout.write(
    `Redis: ${evalsha?.[1] ?? 0} script calls, ${(Number(evalsha?.[2] ?? 0) / 1e6).toFixed(2)} s in scripts; Redis user CPU since start ${redisCpu?.[1] ?? '?'} s (seeding included)\n`,
  );
  process.stdout.write(
    `${r.rows} rows in ${seconds.toFixed(2)} s: ${Math.round(r.rows / seconds)} rows/s; Node CPU ${((used.user + used.system) / 1e6).toFixed(2)} s; ${JSON.stringify(r.counts)}\n`,
  );
} finally {
  await redis.quit();
  await server.stop();
}
