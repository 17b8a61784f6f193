// What every part of the benchmark shares: key sets made at run time, the simulator in its own process, orders
// the simulator answers forever, a CPU meter for this process, and small concurrency helpers.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  type GeneratedKeyPair,
  type PrivateKey,
  type PublicKey,
} from '../src/lianlian/keys.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { loadConfig } from '../src/config.js';
import { createEngine, type RunningEngine } from '../src/engine.js';
import { createLogger } from '../src/log.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import type { SimulatorCommand, SimulatorReply } from './simulator-process.js';

/** A merchant and a "LianLian" key pair of one size, and the merchant id they go with. */
export interface KeySet {
  bits: number;
  oidPartner: string;
  merchant: GeneratedKeyPair;
  lianlian: GeneratedKeyPair;
  merchantKey: PrivateKey;
  lianlianPrivateKey: PrivateKey;
  lianlianPublicKey: PublicKey;
}

/** Generates both pairs with `bits`-bit moduli and a random 18-digit merchant id. */
export function makeKeySet(bits: number): KeySet {
  const merchant = generateKeyPair(bits);
  const lianlian = generateKeyPair(bits);
  const digits = Array.from(randomBytes(14), (b) => String(b % 10)).join('');
  return {
    bits,
    oidPartner: `2026${digits}`,
    merchant,
    lianlian,
    merchantKey: importPrivateKey(merchant.privatePem, 'bench merchant key'),
    lianlianPrivateKey: importPrivateKey(lianlian.privatePem, 'bench LianLian key'),
    lianlianPublicKey: importPublicKey(lianlian.publicPem, 'bench LianLian public key'),
  };
}

/** An order as `engine.track` takes it. */
export interface BenchOrder {
  no_order: string;
  dt_order: string;
  money_order: string;
}

/**
 * `count` orders placed `nowMs`, numbered like a merchant's: `<prefix><dt_order><n, 7 digits>` (e.g. 24
 * characters for a 3-letter prefix).
 */
export function benchOrders(prefix: string, count: number, nowMs: number): BenchOrder[] {
  const dt_order = formatLianLianTime(nowMs);
  return Array.from({ length: count }, (_, i) => ({
    no_order: `${prefix}${dt_order}${String(i).padStart(7, '0')}`,
    dt_order,
    money_order: '128.00',
  }));
}

/** `{ orders: [...] }` bodies of at most `size` orders, for `engine.track`. */
export function batches<T>(items: readonly T[], size: number): Array<{ orders: T[] }> {
  const out: Array<{ orders: T[] }> = [];
  for (let i = 0; i < items.length; i += size) out.push({ orders: items.slice(i, i + size) });
  return out;
}

/** The LianLian simulator running in a child process (bench/simulator-process.ts). */
export interface SimulatorProcess {
  /** The pre-auth query endpoint. */
  queryUrl: string;
  /** Makes the simulator know these orders, each answering `code` forever (a one-step timeline). */
  addOrders(orders: readonly BenchOrder[], code: string): Promise<void>;
  /** The simulator process's CPU time so far (user + system, µs). */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

/** The environment a bench simulator process is started with: this one's, and the key set's keys and merchant. */
export function simulatorProcessEnv(keys: KeySet): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BENCH_SIM_LIANLIAN_KEY: keys.lianlian.privatePem,
    BENCH_SIM_MERCHANT_KEY: keys.merchant.publicPem,
    BENCH_SIM_OID_PARTNER: keys.oidPartner,
  };
}

/** Forks bench/simulator-process.js with the key set's keys and waits for its URL. */
export async function startSimulatorProcess(keys: KeySet): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(new URL('./simulator-process.js', import.meta.url), [], {
    env: simulatorProcessEnv(keys),
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
    void exited.then(([code]) => reject(new Error(`simulator process exited (${String(code)}) before listening`)));
  });
  /** Sends a command and resolves with the first reply of the type it asks for. */
  const ask = <T extends SimulatorReply['type']>(cmd: SimulatorCommand, type: T) =>
    new Promise<Extract<SimulatorReply, { type: T }>>((resolve) => {
      const onMessage = (m: SimulatorReply) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as Extract<SimulatorReply, { type: T }>);
      };
      child.on('message', onMessage);
      child.send(cmd);
    });
  return {
    queryUrl: `${url}/preauthquery.htm`,
    async addOrders(orders, code) {
      for (const { orders: chunk } of batches(orders, 5000)) {
        const timeline = [{ code }];
        await ask({ type: 'add', orders: chunk.map((o): NewOrder => ({ ...o, oid_partner: keys.oidPartner, timeline })) }, 'added');
      }
    },
    async cpuUs() {
      return (await ask({ type: 'cpu' }, 'cpu')).us;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' } satisfies SimulatorCommand);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Where a benchmark engine runs and what it is set to, on top of the bench defaults (silent log). */
export interface BenchEngineOptions {
  keys: KeySet;
  redisUrl: string;
  /** A REDIS_PREFIX of its own, so runs never see each other's keys. */
  prefix: string;
  queryUrl: string;
  dataDir: string;
  /** Settings as environment variables (ROLES, POLL_SCHEDULE, QUERY_CONCURRENCY …). */
  env: Record<string, string>;
}

/** A real engine (createEngine) in this process, not started. */
export async function createBenchEngine(o: BenchEngineOptions): Promise<RunningEngine> {
  const config = loadConfig(
    {
      LIANLIAN_ENV: 'sandbox',
      REDIS_URL: o.redisUrl,
      REDIS_PREFIX: o.prefix,
      LIANLIAN_OID_PARTNER: o.keys.oidPartner,
      LOG_LEVEL: 'silent',
      DATA_DIR: o.dataDir,
      ...o.env,
    },
    { cwd: o.dataDir },
  );
  return createEngine({
    config,
    log: createLogger({ level: 'silent' }),
    oidPartner: o.keys.oidPartner,
    merchantKey: o.keys.merchantKey,
    lianlianKey: o.keys.lianlianPublicKey,
    queryUrl: o.queryUrl,
  });
}

/** CPU time of this process since `start()` (user + system, µs). */
export interface CpuMeter {
  /** µs of CPU (user + system) and of wall clock since the meter started. */
  read(): { cpuUs: number; userUs: number; systemUs: number; wallMs: number };
}

/** Starts measuring this process's CPU (process.cpuUsage, all threads) and wall time now. */
export function startCpuMeter(): CpuMeter {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    read() {
      const d = process.cpuUsage(cpu0);
      return { cpuUs: d.user + d.system, userUs: d.user, systemUs: d.system, wallMs: performance.now() - t0 };
    },
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` running at once. */
export async function runConcurrently(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Waits (checking every `everyMs`) until `check()` holds; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`benchmark: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}
