// The LianLian simulator for the overload benchmark, in a process of its own, behind a recording proxy: every
// pre-auth query that passes is logged (order, when its answer left, its ret_code), which is what the benchmark
// measures from — queries as LianLian sees them. The proxy is a plain loopback hop in the same process (the
// simulator keeps no per-query times of its own). Started with `fork` by startOverloadSimulator():
//   env   BENCH_SIM_LIANLIAN_KEY, BENCH_SIM_MERCHANT_KEY, BENCH_SIM_OID_PARTNER   as bench/simulator-process.ts
//   stdout one line `url <proxy base url>` once listening
//   IPC    { type: 'add', orders }         → { type: 'added', count }
//          { type: 'log', from }           → { type: 'log', records: [no_order, at, ret_code][], next, total }
//          { type: 'stop' }                → stops and exits
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { peekNoOrder } from '../src/sandbox/merchant-request.js';
import type { NewOrder } from '../src/sandbox/orders.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { simulatorProcessEnv, type KeySet } from './harness.js';

/** One logged query: its order, when the answer left (epoch ms), the answer's ret_code ('' if none). */
export type QueryRecord = [string, number, string];

type Command = { type: 'add'; orders: NewOrder[] } | { type: 'log'; from: number } | { type: 'stop' };
type Reply = { type: 'added'; count: number } | { type: 'log'; records: QueryRecord[]; next: number; total: number };

const LOG_CHUNK = 50_000;
const QUERY_PATH = '/preauthquery.htm';

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function retCodeOf(body: Buffer): string {
  try {
    const v = JSON.parse(body.toString('utf8')) as { ret_code?: unknown };
    return typeof v.ret_code === 'string' ? v.ret_code : '';
  } catch {
    return '';
  }
}

async function child(): Promise<void> {
  const env = (name: string) => process.env[name] ?? '';
  const simulator = new LianLianSimulator({
    lianlianPrivateKey: importPrivateKey(env('BENCH_SIM_LIANLIAN_KEY'), 'BENCH_SIM_LIANLIAN_KEY'),
    merchants: [
      { oid_partner: env('BENCH_SIM_OID_PARTNER'), publicKey: importPublicKey(env('BENCH_SIM_MERCHANT_KEY'), 'BENCH_SIM_MERCHANT_KEY') },
    ],
    seed: 1,
  });
  const upstream = new URL((await simulator.start({ host: '127.0.0.1', port: 0 })).url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const log: QueryRecord[] = [];
  const proxy = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const up = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = request(
          { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
          resolve,
        );
        r.on('error', reject);
        r.end(body);
      });
      const answer = await readAll(up);
      if (req.url === QUERY_PATH) log.push([peekNoOrder(body.toString('utf8')) ?? '', Date.now(), retCodeOf(answer)]);
      res.writeHead(up.statusCode ?? 502, up.headers).end(answer);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  proxy.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const stop = async () => {
    proxy.closeAllConnections();
    proxy.close();
    await simulator.stop();
    process.exit(0);
  };
  const reply = (r: Reply) => process.send?.(r);
  process.on('message', (msg: Command) => {
    if (msg.type === 'add') {
      for (const o of msg.orders) simulator.addOrder(o);
      reply({ type: 'added', count: msg.orders.length });
    } else if (msg.type === 'log') {
      const records = log.slice(msg.from, msg.from + LOG_CHUNK);
      reply({ type: 'log', records, next: msg.from + records.length, total: log.length });
    } else if (msg.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop()); // a killed bench must not leave this process behind
  process.stdout.write(`url http://127.0.0.1:${(proxy.address() as AddressInfo).port}\n`);
}

/** The recording simulator as the bench process sees it. */
export interface OverloadSimulator {
  queryUrl: string;
  addOrders(orders: readonly NewOrder[]): Promise<void>;
  /** Every query logged so far. */
  queries(): Promise<QueryRecord[]>;
  stop(): Promise<void>;
}

/** Forks this file as the simulator process for `keys` and waits for its URL. */
export async function startOverloadSimulator(keys: KeySet): Promise<OverloadSimulator> {
  const proc = fork(new URL(import.meta.url), ['--child'], {
    env: simulatorProcessEnv(keys),
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(proc, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
    void exited.then(([code]) => reject(new Error(`overload simulator exited (${String(code)}) before listening`)));
  });
  // one command at a time, so each reply answers the command before it
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T extends Reply['type']>(cmd: Command, type: T): Promise<Extract<Reply, { type: T }>> => {
    const next = chain.then(
      () =>
        new Promise<Extract<Reply, { type: T }>>((resolve) => {
          const onMessage = (m: Reply) => {
            if (m.type !== type) return;
            proc.off('message', onMessage);
            resolve(m as Extract<Reply, { type: T }>);
          };
          proc.on('message', onMessage);
          proc.send(cmd);
        }),
    );
    chain = next;
    return next;
  };
  return {
    queryUrl: `${url}${QUERY_PATH}`,
    async addOrders(orders) {
      for (let i = 0; i < orders.length; i += 5000) await ask({ type: 'add', orders: orders.slice(i, i + 5000) }, 'added');
    },
    async queries() {
      const all: QueryRecord[] = [];
      for (let from = 0; ;) {
        const r = await ask({ type: 'log', from }, 'log');
        all.push(...r.records);
        from = r.next;
        if (r.records.length === 0 || from >= r.total) return all;
      }
    },
    async stop() {
      if (proc.exitCode !== null) return;
      proc.send({ type: 'stop' } satisfies Command);
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

if (process.argv.includes('--child')) {
  child().catch((err: unknown) => {
    process.stderr.write(`overload simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
