// The parts a poll is made of, each measured alone in this process: a BullMQ job that does nothing (the poll
// queue's options, concurrency 50), one MD5withRSA sign and one verify, one bare HTTP request to the simulator
// with llrecon's HTTP client, and one Redis write (HSET + XADD pipeline). Their sum is what a poll cannot cost
// less than; llrecon's CPU per poll over that sum is its overhead.
import { randomBytes } from 'node:crypto';
import { Worker, type ConnectionOptions } from 'bullmq';
import { closeHttpClient, createHttpClient, postJson } from '../src/clients/http.js';
import { buildPreauthQueryRequest } from '../src/lianlian/preauth-query.js';
import { signFields, verifyBody } from '../src/lianlian/signature.js';
import { QUEUE, pollJobId } from '../src/queues/names.js';
import { closeQueues, createQueues, jobRetryDelay, lockOptions } from '../src/queues/queues.js';
import { createRedis } from '../src/redis/connection.js';
import { benchOrders, runConcurrently, startCpuMeter, waitUntil, type KeySet, type SimulatorProcess } from './harness.js';

/** One part's cost: CPU of this process per operation. */
export interface PartResult {
  count: number;
  cpuUsPerOp: number;
  opsPerSec: number;
}

function result(count: number, m: { cpuUs: number; wallMs: number }): PartResult {
  return { count, cpuUsPerOp: m.cpuUs / count, opsPerSec: count / (m.wallMs / 1000) };
}

/**
 * BullMQ jobs with a no-op processor on a queue made by llrecon's createQueues (the poll queue's default job
 * options) and a worker with the poll worker's options. `process` is the cost of taking and completing a waiting
 * job (what each poll goes through); `add` (adding them in bulk beforehand) is shown apart, a poll adds no job.
 */
export async function measureBullNoop(o: {
  redisUrl: string;
  concurrency: number;
  jobs: number;
}): Promise<{ process: PartResult; add: PartResult }> {
  const cfg = { redisUrl: o.redisUrl, redisCluster: false };
  const queueConn = createRedis(cfg, 'queue');
  const workerConn = createRedis(cfg, 'worker');
  const prefix = `bench-noop-${randomBytes(3).toString('hex')}`;
  const queues = createQueues(queueConn as unknown as ConnectionOptions, prefix);
  let done = 0;
  const worker = new Worker(QUEUE.poll, async () => undefined, {
    connection: workerConn as unknown as ConnectionOptions,
    prefix,
    concurrency: o.concurrency,
    autorun: false,
    maxStalledCount: 1_000_000,
    settings: { backoffStrategy: jobRetryDelay },
    ...lockOptions({}),
  });
  worker.on('completed', () => {
    done += 1;
  });
  try {
    const add = startCpuMeter();
    for (let i = 0; i < o.jobs; i += 1000) {
      const n = Math.min(1000, o.jobs - i);
      await queues.poll.addBulk(
        Array.from({ length: n }, (_, k) => ({ name: 'poll', data: { no: `N${i + k}` }, opts: { jobId: pollJobId(`N${i + k}`) } })),
      );
    }
    const added = add.read();
    const run = startCpuMeter();
    void worker.run();
    await waitUntil(`${o.jobs} no-op jobs`, () => done >= o.jobs, 120_000, 5);
    return { process: result(done, run.read()), add: result(o.jobs, added) };
  } finally {
    await worker.close();
    await closeQueues(queues);
    await Promise.allSettled([queueConn.quit(), workerConn.quit()]);
  }
}

/** The fields of a pre-auth query answer for one order, as LianLian would sign them. */
function answerFields(keys: KeySet): Record<string, string> {
  const [order] = benchOrders('SIG', 1, Date.now());
  return {
    ret_code: 'PR07',
    ret_msg: '预授权成功',
    oid_partner: keys.oidPartner,
    no_order: order?.no_order ?? 'SIG',
    dt_order: order?.dt_order ?? '20260101000000',
    oid_paybill: '2026112400012345',
    money_order: '128.00',
    sign_type: 'RSA',
  };
}

/** One signFields of a query request (merchant key) and one verifyBody of a signed answer (LianLian key). */
export function measureSignVerify(keys: KeySet, iterations: number): { sign: PartResult; verify: PartResult } {
  const [order] = benchOrders('SIG', 1, Date.now());
  const request = {
    oid_partner: keys.oidPartner,
    sign_type: 'RSA',
    pay_type: 'F',
    api_version: '1.0',
    no_order: order?.no_order,
    dt_order: order?.dt_order,
  };
  const answer = JSON.stringify(signFields(answerFields(keys), keys.lianlianPrivateKey));
  const warm = Math.max(50, Math.floor(iterations / 10));
  const signing = () => signFields(request, keys.merchantKey);
  const verifying = () => {
    if (!verifyBody(answer, keys.lianlianPublicKey).valid) throw new Error('benchmark: the signed answer does not verify');
  };
  const time = (fn: () => unknown): PartResult => {
    for (let i = 0; i < warm; i++) fn();
    const m = startCpuMeter();
    for (let i = 0; i < iterations; i++) fn();
    return result(iterations, m.read());
  };
  return { sign: time(signing), verify: time(verifying) };
}

/**
 * Bare requests with llrecon's HTTP client (createHttpClient + postJson): one pre-signed query body POSTed again
 * and again to the simulator, `concurrency` at a time. Signing it and checking the answer are not in it.
 */
export async function measureBareRequests(o: {
  keys: KeySet;
  sim: SimulatorProcess;
  count: number;
  concurrency: number;
}): Promise<PartResult> {
  const orders = benchOrders('BARE', 1, Date.now());
  const [order] = orders;
  if (!order) throw new Error('benchmark: no order');
  await o.sim.addOrders(orders, 'PR07');
  const body = buildPreauthQueryRequest(
    { oid_partner: o.keys.oidPartner, no_order: order.no_order, dt_order: order.dt_order },
    o.keys.merchantKey,
  );
  const timeoutMs = 10_000;
  const http = createHttpClient({ timeoutMs });
  try {
    const post = async () => {
      const text = await postJson(http, o.sim.queryUrl, body, timeoutMs);
      if (!text.includes('"PR07"')) throw new Error(`benchmark: unexpected simulator answer ${text.slice(0, 80)}`);
    };
    await runConcurrently(Math.max(200, o.concurrency * 4), o.concurrency, post); // open the keep-alive sockets, warm the JIT
    const m = startCpuMeter();
    await runConcurrently(o.count, o.concurrency, post);
    return result(o.count, m.read());
  } finally {
    closeHttpClient(http);
  }
}

/**
 * One Redis write through ioredis as a poll makes it: a pipeline of an HSET of a few order fields and an XADD of
 * an event-sized entry (capped stream), `concurrency` at a time.
 */
export async function measureRedisWrite(o: { redisUrl: string; count: number; concurrency: number }): Promise<PartResult> {
  const redis = createRedis({ redisUrl: o.redisUrl, redisCluster: false }, 'client');
  const base = `bench-write-${randomBytes(3).toString('hex')}`;
  const event = JSON.stringify({
    specversion: '1.0',
    id: '202611240000000000:ORD202611241030000000123:2',
    source: 'llrecon/202611240000000000',
    type: 'com.lianlian.preauth.authorized',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      no_order: 'ORD202611241030000000123',
      dt_order: '20261124103000',
      state: 'authorized',
      ret_code: 'PR07',
      money_order: '128.00',
    },
  });
  const write = (i: number) =>
    redis
      .pipeline()
      .hset(`${base}:order:${i % 1000}`, 'st', 'authorized', 'ls', 'PR07', 'sp', String(i), 'np', String(Date.now() + 1), 'pl', String(i))
      .xadd(`${base}:events`, 'MAXLEN', '~', '10000', '*', 'type', 'com.lianlian.preauth.authorized', 'event', event)
      .exec();
  try {
    await runConcurrently(Math.max(500, o.concurrency * 10), o.concurrency, write);
    const m = startCpuMeter();
    await runConcurrently(o.count, o.concurrency, write);
    return result(o.count, m.read());
  } finally {
    const keys = [`${base}:events`, ...Array.from({ length: 1000 }, (_, i) => `${base}:order:${i}`)];
    await redis.del(...keys).catch(() => undefined);
    await redis.quit();
  }
}
