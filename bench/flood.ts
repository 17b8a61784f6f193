// The flood benchmark (issue 10), `npm run bench:flood`: a whole daemon (bench/extended-daemon.ts: startDaemon, all
// roles, real Redis of its own, the simulator in a child process) on loopback receives 100,000 distinct forged
// callbacks from many connections and source addresses, naming orders it tracks. Reported: Redis growth (target
// ≤ 16 MiB), /readyz throughout (probed every 100 ms), one genuine callback sent mid-flood (acknowledged within 5 s,
// and applied: its order moves), the queries the forged ones caused (target 0); then 1,000 replay variants of one
// genuine callback (extra empty fields, keys reordered: the same signed content) and the queries they caused (≤ 1).
// Writes its block of bench/RESULTS.md (`--quick`: 10,000 forged, writes nothing).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { signFields } from '../src/lianlian/signature.js';
import { withDaemonEnv } from '../src/process-tuning.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import type { DaemonCommand, DaemonReply } from './extended-daemon.js';
import { benchOrders, makeKeySet, startSimulatorProcess, waitUntil, type BenchOrder, type KeySet } from './harness.js';
import { describeMachine, machineLines } from './machine.js';
import { RawHttpPool } from './raw-http.js';
import { writeResults } from './results-file.js';

const MiB = 2 ** 20;
const SOURCES = 16;
const CONNECTIONS_PER_SOURCE = 4;
/** The spread phase: forged callbacks from this many addresses, SPREAD_EACH from each (within every budget). */
const SPREAD_SOURCES = 2000;
const SPREAD_EACH = 10;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/** llrecon_queries_total, all labels, from the daemon's /metrics. */
async function queriesSent(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^llrecon_queries_total\{[^}]*\} (\d+)/gm)) sum += Number(m[1]);
  return sum;
}

function genuineFields(keys: KeySet, o: BenchOrder): Record<string, string> {
  return {
    oid_partner: keys.oidPartner,
    sign_type: 'RSA',
    no_order: o.no_order,
    dt_order: o.dt_order,
    oid_paybill: `2026${o.no_order.slice(-12)}`,
    money_order: o.money_order,
    result_pay: 'SUCCESS',
    settle_date: o.dt_order.slice(0, 8),
    pay_type: 'F',
  };
}

/** A POST from a chosen loopback address; resolves with the status and the time to the answer. */
function postFrom(base: string, path: string, body: string, localAddress: string): Promise<{ status: number; ms: number }> {
  const u = new URL(path, base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'text/json;charset=utf-8', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startDaemon(keys: KeySet, redisUrl: string, dataDir: string, queryUrl: string, settings: Record<string, string>) {
  const child = fork(new URL('./extended-daemon.js', import.meta.url), [], {
    env: {
      ...withDaemonEnv(process.env),
      BENCH_REDIS_URL: redisUrl,
      BENCH_DATA_DIR: dataDir,
      BENCH_OID_PARTNER: keys.oidPartner,
      BENCH_MERCHANT_KEY: keys.merchant.privatePem,
      BENCH_LIANLIAN_KEY: keys.lianlian.publicPem,
      BENCH_QUERY_URL: queryUrl,
      BENCH_SETTINGS: JSON.stringify(settings),
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
    void exited.then(([code]) => reject(new Error(`flood: the daemon exited (${String(code)}) before listening`)));
  });
  const ask = <T extends DaemonCommand['type']>(cmd: Extract<DaemonCommand, { type: T }>) =>
    new Promise<Extract<DaemonReply, { type: T }>>((resolve) => {
      const onMessage = (m: DaemonReply) => {
        if (m.type !== cmd.type) return;
        child.off('message', onMessage);
        resolve(m as Extract<DaemonReply, { type: T }>);
      };
      child.on('message', onMessage);
      child.send(cmd);
    });
  return {
    url,
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

/** Probes /readyz every 100 ms until stopped: how many probes, how many not 200, the slowest answer. */
function watchReadiness(base: string) {
  let probes = 0;
  let notReady = 0;
  let slowestMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        if (r.status !== 200) notReady++;
      } catch {
        notReady++;
      }
      probes++;
      slowestMs = Math.max(slowestMs, performance.now() - t);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { probes, notReady, slowestMs };
    },
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const forgedCount = quick ? 10_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'llrecon-flood-'));
  const redisServer = await startRedisServer({ dir: join(dir, 'redis'), appendOnly: false });
  const redis = new Redis(redisServer.url);
  const keys = makeKeySet(1024);
  const sim = await startSimulatorProcess(keys);
  const token = randomBytes(24).toString('base64url');
  const daemon = await startDaemon(keys, redisServer.url, dir, sim.queryUrl, {
    ROLES: 'api,query,notify',
    POLL_SCHEDULE: '1h', // no routine poll during the run: every query is a callback's or nobody's
    QUERY_RATE_PER_SEC: '5',
    ADMIN_TOKEN: token,
  });
  const machine = describeMachine(/^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1] ?? '?');
  try {
    const orders = benchOrders('FLD', 100, Date.now());
    await sim.addOrders(orders, 'PR07');
    await daemon.ask({ type: 'track', orders });
    await sleep(1000);
    const [target, replayed] = orders as [BenchOrder, BenchOrder, ...BenchOrder[]];
    const memBefore = await usedMemory(redis);
    const queriesBefore = await queriesSent(daemon.url);
    log(`flood: ${forgedCount} forged callbacks from ${SOURCES} sources × ${CONNECTIONS_PER_SOURCE} connections`);

    const pools = Array.from(
      { length: SOURCES },
      (_, k) => new RawHttpPool(new URL('/notify/lianlian', daemon.url), CONNECTIONS_PER_SOURCE, `127.0.9.${k + 1}`),
    );
    for (const p of pools) await p.warm(CONNECTIONS_PER_SOURCE);
    const statuses = new Map<number, number>();
    const readiness = watchReadiness(daemon.url);
    let genuine: Promise<{ status: number; ms: number }> | null = null;
    let appliedMs: number | null = null;
    let watchApplied: Promise<unknown> = Promise.resolve();
    let next = 0;
    const started = performance.now();
    const worker = async (pool: RawHttpPool) => {
      for (;;) {
        const i = next++;
        if (i >= forgedCount) return;
        if (i === Math.floor(forgedCount / 2) && genuine === null) {
          // mid-flood, from a flooding (so throttled) source: a genuine callback must still be admitted
          const sentAt = performance.now();
          genuine = postFrom(
            daemon.url,
            '/notify/lianlian',
            JSON.stringify(signFields(genuineFields(keys, target), keys.lianlianPrivateKey)),
            '127.0.9.1',
          );
          watchApplied = waitUntil(
            'the genuine callback applied',
            async () => {
              const r = await fetch(`${daemon.url}/orders/${target.no_order}`, { headers: { authorization: `Bearer ${token}` } });
              return ((await r.json()) as { state?: string }).state === 'authorized';
            },
            60_000,
            50,
          )
            .then(() => (appliedMs = performance.now() - sentAt))
            .catch(() => undefined);
        }
        const o = orders[i % orders.length] as BenchOrder;
        const forged = { ...genuineFields(keys, o), info_order: `flood ${i}`, sign: randomBytes(128).toString('base64') };
        const r = await pool.send(pool.render(JSON.stringify(forged)));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    await Promise.all(pools.flatMap((p) => Array.from({ length: CONNECTIONS_PER_SOURCE }, () => worker(p))));
    const floodSeconds = (performance.now() - started) / 1000;
    const ack = await (genuine as unknown as Promise<{ status: number; ms: number }>);
    await watchApplied;
    for (const p of pools) p.close();

    // spread: many addresses, each within its budget of refusals, so every one is answered 400 and may be sampled
    log(`flood: ${SPREAD_SOURCES * SPREAD_EACH} more from ${SPREAD_SOURCES} addresses, ${SPREAD_EACH} each`);
    const spreadStatuses = new Map<number, number>();
    let nextSource = 0;
    const spreadStarted = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (;;) {
          const k = nextSource++;
          if (k >= SPREAD_SOURCES) return;
          const pool = new RawHttpPool(new URL('/notify/lianlian', daemon.url), 1, `127.0.${10 + Math.floor(k / 250)}.${(k % 250) + 1}`);
          for (let n = 0; n < SPREAD_EACH; n += 1) {
            const o = orders[(k + n) % orders.length] as BenchOrder;
            const forged = { ...genuineFields(keys, o), info_order: `spread ${k}.${n}`, sign: randomBytes(128).toString('base64') };
            const r = await pool.send(pool.render(JSON.stringify(forged)));
            spreadStatuses.set(r.status, (spreadStatuses.get(r.status) ?? 0) + 1);
          }
          pool.close();
        }
      }),
    );
    const spreadSeconds = (performance.now() - spreadStarted) / 1000;
    const ready = await readiness.stop();
    await sleep(1000);
    const memAfter = await usedMemory(redis);
    const queriesAfterFlood = await queriesSent(daemon.url);
    const forgedQueries = queriesAfterFlood - queriesBefore - 1; // the genuine callback's confirming query

    // replay variants of one genuine callback: extra empty fields, keys reordered
    const replayBase = signFields(genuineFields(keys, replayed), keys.lianlianPrivateKey);
    const replayPool = new RawHttpPool(new URL('/notify/lianlian', daemon.url), 32);
    const replayStatuses = new Map<number, number>();
    let j = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (;;) {
          const i = j++;
          if (i >= 1000) return;
          const entries = Object.entries({ ...replayBase, [`x${i}`]: '' });
          if (i % 2 === 1) entries.reverse();
          const r = await replayPool.send(replayPool.render(JSON.stringify(Object.fromEntries(entries))));
          replayStatuses.set(r.status, (replayStatuses.get(r.status) ?? 0) + 1);
        }
      }),
    );
    replayPool.close();
    await sleep(3000);
    const replayQueries = (await queriesSent(daemon.url)) - queriesAfterFlood;

    const growth = memAfter - memBefore;
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    const statusText = (m: Map<number, number>) =>
      [...m.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}: ${n.toLocaleString('en-US')}`)
        .join(', ');
    const report = [
      '# flood benchmark (`npm run bench:flood`)',
      '',
      '```',
      ...machineLines(machine),
      '```',
      '',
      `A daemon (all roles, real Redis, 100 tracked orders, no routine polls during the run) receives ${forgedCount.toLocaleString('en-US')} distinct forged callbacks naming its orders, from ${SOURCES} source addresses × ${CONNECTIONS_PER_SOURCE} keep-alive connections (an address is answered 429 once it has spent its budget of refusals); one genuine callback is sent mid-flood from a flooding address; then ${(SPREAD_SOURCES * SPREAD_EACH).toLocaleString('en-US')} more from ${SPREAD_SOURCES.toLocaleString('en-US')} addresses within their budgets; then 1,000 replay variants of one genuine callback. The load generator, the simulator and the daemon share the cores.`,
      '',
      '| what | measured | target |',
      '|---|---|---|',
      `| forged callbacks sent | ${forgedCount.toLocaleString('en-US')} in ${floodSeconds.toFixed(1)} s (${Math.round(forgedCount / floodSeconds).toLocaleString('en-US')}/s); answers ${statusText(statuses)} | refused, never queued |`,
      `| then, from ${SPREAD_SOURCES.toLocaleString('en-US')} addresses, ${SPREAD_EACH} each (no budget runs out) | ${(SPREAD_SOURCES * SPREAD_EACH).toLocaleString('en-US')} in ${spreadSeconds.toFixed(1)} s; answers ${statusText(spreadStatuses)} | refused, never queued; a sampled record only |`,
      `| Redis growth over both (used_memory after − before) | ${(growth / MiB).toFixed(2)} MiB | ≤ 16 MiB ${mark(growth <= 16 * MiB)} |`,
      `| /readyz during both | ${ready.probes - ready.notReady}/${ready.probes} probes ready, slowest ${Math.round(ready.slowestMs)} ms | ready throughout ${mark(ready.notReady === 0)} |`,
      `| genuine callback mid-flood | ${ack.status}, acknowledged in ${Math.round(ack.ms)} ms; applied (its order authorized) ${appliedMs === null ? 'never (✗)' : `${Math.round(appliedMs)} ms after it was sent`} | 200 within 5 s, applied ${mark(ack.status === 200 && ack.ms <= 5000 && appliedMs !== null)} |`,
      `| queries caused by forged callbacks | ${forgedQueries} | 0 ${mark(forgedQueries === 0)} |`,
      `| 1,000 replay variants of one genuine callback | answers ${statusText(replayStatuses)}; ${replayQueries} quer${replayQueries === 1 ? 'y' : 'ies'} | ≤ 1 ${mark(replayQueries <= 1)} |`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    if (!quick) writeResults('flood', report);
  } finally {
    await daemon.stop();
    await sim.stop();
    redis.disconnect();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`flood failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
