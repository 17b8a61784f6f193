// The webhook sink: Standard Webhooks signatures (table tests, with the reference library's known vector), the
// retry policy, and the sink itself against a real engine, a real Redis and a real receiving HTTP server.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { createRedis } from '../src/redis/connection.js';
import { deliveryOf, webhookJobId } from '../src/webhooks/delivery-job.js';
import { deliveryHistory } from '../src/webhooks/delivery-log.js';
import { createWebhookSink, type WebhookSink } from '../src/webhooks/dispatcher.js';
import { DEFAULT_RETRY_POLICY, MAX_ATTEMPTS, retryDelay, type RetryPolicy } from '../src/webhooks/retry-policy.js';
import { signWebhook, verifyWebhook, webhookHeaders, webhookSecretKey } from '../src/webhooks/standard-webhooks.js';
import { WEBHOOK_GROUP } from '../src/webhooks/stream-consumer.js';
import { createWebhookWorker } from '../workers/webhook-worker.js';
import { eventsOf } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

describe('Standard Webhooks signatures', () => {
  // the reference JavaScript library's "sign function works" vector (libraries/javascript/src/webhook.test.ts)
  const REF = {
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  };
  const key = randomBytes(32);
  const secret = `whsec_${key.toString('base64')}`;
  const body = JSON.stringify({ specversion: '1.0', id: '201103171000000000:ORD-1:2', subject: 'ORD-1', data: { ret_msg: '交易成功' } });
  const id = '201103171000000000:ORD-1:2';
  const now = 1_767_225_600;

  it.each([
    ['the reference library', REF, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
    [
      'node:crypto over a CloudEvent with non-ASCII text',
      { id, timestamp: now, body, secret },
      `v1,${createHmac('sha256', key)
        .update(Buffer.from(`${id}.${now}.${body}`, 'utf8'))
        .digest('base64')}`,
    ],
  ])('signs like %s', (_, message, expected) => {
    expect(signWebhook(message)).toBe(expected);
    expect(signWebhook({ ...message, body: Buffer.from(message.body, 'utf8') })).toBe(expected);
  });

  it('sends the four headers, the signature over the exact body', () => {
    const h = webhookHeaders({ id, timestamp: now, body, secret });
    expect(h).toEqual({
      'webhook-id': id,
      'webhook-timestamp': String(now),
      'webhook-signature': signWebhook({ id, timestamp: now, body, secret }),
      'content-type': 'application/cloudevents+json',
    });
  });

  const good = webhookHeaders({ id, timestamp: now, body, secret });
  const other = `whsec_${randomBytes(32).toString('base64')}`;
  const signedBy = (s: string, ts = now) => signWebhook({ id, timestamp: ts, body, secret: s });
  it.each([
    ['valid', good, body, now, { ok: true, id, timestamp: now }],
    [
      'valid with capitalised header names',
      { 'Webhook-Id': id, 'Webhook-Timestamp': String(now), 'Webhook-Signature': good['webhook-signature'] },
      body,
      now,
      { ok: true, id, timestamp: now },
    ],
    [
      'valid among other signatures (rotation)',
      { ...good, 'webhook-signature': `v1a,${'A'.repeat(86)}== ${signedBy(other)} ${good['webhook-signature']}` },
      body,
      now,
      { ok: true, id, timestamp: now },
    ],
    ['valid 5 min old', good, body, now + 300, { ok: true, id, timestamp: now }],
    ['valid 5 min ahead', good, body, now - 300, { ok: true, id, timestamp: now }],
    ['too old', good, body, now + 301, { ok: false, reason: 'too_old' }],
    ['too new', good, body, now - 301, { ok: false, reason: 'too_new' }],
    ['signed with another secret', { ...good, 'webhook-signature': signedBy(other) }, body, now, { ok: false, reason: 'no_match' }],
    ['body changed', good, body.replace('ORD-1', 'ORD-2'), now, { ok: false, reason: 'no_match' }],
    ['body re-serialised with spaces', good, JSON.stringify(JSON.parse(body), null, 1), now, { ok: false, reason: 'no_match' }],
    ['timestamp changed', { ...good, 'webhook-timestamp': String(now + 1) }, body, now, { ok: false, reason: 'no_match' }],
    ['id changed', { ...good, 'webhook-id': `${id}0` }, body, now, { ok: false, reason: 'no_match' }],
    [
      'a v1a signature only',
      { ...good, 'webhook-signature': good['webhook-signature'].replace('v1,', 'v1a,') },
      body,
      now,
      { ok: false, reason: 'no_match' },
    ],
    [
      'a cut signature',
      { ...good, 'webhook-signature': good['webhook-signature'].slice(0, 12) },
      body,
      now,
      { ok: false, reason: 'no_match' },
    ],
    ['"v1," alone', { ...good, 'webhook-signature': 'v1,' }, body, now, { ok: false, reason: 'no_match' }],
    ['no signature header', { 'webhook-id': id, 'webhook-timestamp': String(now) }, body, now, { ok: false, reason: 'missing_headers' }],
    [
      'no id header',
      { 'webhook-timestamp': String(now), 'webhook-signature': good['webhook-signature'] },
      body,
      now,
      { ok: false, reason: 'missing_headers' },
    ],
    ['a fractional timestamp', { ...good, 'webhook-timestamp': `${now}.5` }, body, now, { ok: false, reason: 'bad_timestamp' }],
    ['a timestamp that is not a number', { ...good, 'webhook-timestamp': 'hello' }, body, now, { ok: false, reason: 'bad_timestamp' }],
  ] as const)('verify: %s', (_, headers, received, nowSeconds, expected) => {
    expect(verifyWebhook({ headers, body: received, secret, nowSeconds })).toEqual(expected);
  });

  it('refuses a secret that is not whsec_ + base64, without echoing it', () => {
    for (const bad of ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_', 'whsec_not base64!']) {
      let caught: unknown;
      try {
        signWebhook({ id, timestamp: now, body, secret: bad });
      } catch (err) {
        caught = err;
      }
      expect(isLlreconError(caught, 'LLRECON_CONFIG')).toBe(true);
      expect((caught as Error).message).toBe('webhook secret must be "whsec_" followed by base64');
      expect(webhookSecretKey(bad)).toBeNull();
    }
  });

  it('reads the key inside a whsec_ secret (the one check of its form, shared with the setting)', () => {
    const key = randomBytes(32);
    expect(webhookSecretKey(`whsec_${key.toString('base64')}`)).toEqual(key);
    for (const bad of [` whsec_${key.toString('base64')}`, `WHSEC_${key.toString('base64')}`, `whsec_${key.toString('base64url')}_`, ''])
      expect(webhookSecretKey(bad)).toBeNull();
  });
});

describe('retry policy', () => {
  const S = 1000;
  it('climbs 5 s, 30 s, 2 min, 10 min, 30 min, then stays at 1 h', () => {
    const nominal = [1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelay(DEFAULT_RETRY_POLICY, n, 0));
    expect(nominal).toEqual([5 * S, 30 * S, 120 * S, 600 * S, 1800 * S, 3600 * S, 3600 * S, 3600 * S]);
  });

  it('jitters downwards by at most 20 %, never above the cap', () => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      const d = retryDelay(DEFAULT_RETRY_POLICY, 8, random);
      expect(d).toBeLessThanOrEqual(3600 * S);
      expect(d).toBeGreaterThanOrEqual(0.8 * 3600 * S);
    }
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0.5)).toBe(4500);
  });

  it("honours a receiver's Retry-After, up to the cap", () => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0, 90 * S)).toBe(90 * S);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0, 1 * S)).toBe(5 * S);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0, 86_400 * S)).toBe(3600 * S);
  });

  it('gives up after about three days of attempts', () => {
    let total = 0;
    for (let n = 1; n < MAX_ATTEMPTS; n++) total += retryDelay(DEFAULT_RETRY_POLICY, n, 0);
    expect(total / 86_400_000).toBeGreaterThan(2.9);
    expect(total / 86_400_000).toBeLessThan(3.1);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(MAX_ATTEMPTS);
  });
});

describe('the webhook sink', () => {
  /** One request the receiver got, and what it answered (0: it dropped the connection). */
  interface Arrival {
    id: string;
    headers: IncomingHttpHeaders;
    body: string;
    status: number;
    at: number;
  }
  type Answer = (a: { id: string; body: string; nth: number }) => number;

  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const policy: RetryPolicy = { scheduleMs: [200, 400], maxAttempts: 4, jitter: 0 };
  const dt = formatLianLianTime(Date.now());
  const q = (code: string, queries = 1) => ({ code, after: { queries } });
  const CAPTURED = [q('2003'), q('PR09'), q('PR07', 2), q('PR12'), q('PR11')];
  const arrivals: Arrival[] = [];
  let answer: Answer = () => 200;
  let stack: Stack;
  let receiver: Server;
  let receiverUrl: string;
  let conn: Redis | Cluster;
  let sink: WebhookSink | null = null;
  let seq = 0;

  const newSink = () =>
    createWebhookSink(
      stack.engine.ctx,
      conn as unknown as ConnectionOptions,
      {
        url: receiverUrl,
        secret,
        retry: policy,
        tuning: { lockDurationMs: 1000, orderWaitMs: 50 },
      },
      createWebhookWorker,
    );

  const nextNo = () => `HOOK${Date.now()}${seq++}`;

  async function track(timeline: Array<{ code: string; after: { queries: number } }>, no = nextNo()): Promise<string> {
    stack.simulator.addOrder({ oid_partner: stack.oidPartner, no_order: no, dt_order: dt, money_order: '100.00', timeline });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '100.00' }, { source: 'embed' });
    await waitFor(async () => (await stack.engine.store.get(no))?.final, 10_000);
    return no;
  }

  const eventIds = async (no: string) => (await eventsOf(stack, no)).map((e) => e.event.id);
  const of = (id: string) => arrivals.filter((a) => a.id === id);
  const deliveredIds = (no: string) => arrivals.filter((a) => a.status === 200 && JSON.parse(a.body).subject === no).map((a) => a.id);
  const allDelivered = async (no: string) => {
    const ids = await eventIds(no);
    return ids.length > 0 && ids.every((id) => of(id).some((a) => a.status === 200));
  };
  // ids are <oid_partner>:<no_order>:<version>:<state>
  const version = (id: string) => Number(id.split(':').at(-2));

  beforeAll(async () => {
    stack = await startStack({ env: { POLL_SCHEDULE: '30ms', QUERY_TIMEOUT: '300ms', QUERY_RATE_PER_SEC: '500' } });
    conn = createRedis({ redisUrl: inject('redisUrl'), redisCluster: false }, 'worker');
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id']);
        const status = answer({ id, body, nth: of(id).length + 1 });
        arrivals.push({ id, headers: req.headers, body, status, at: Date.now() });
        if (status === 0) req.socket.destroy();
        else res.writeHead(status).end();
      });
    });
    receiver.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/llrecon`;
  });

  afterAll(async () => {
    await sink?.close();
    await stack?.close();
    await conn?.quit();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  it('delivers the events emitted before it started, each once, in order, signed over the exact stream JSON', async () => {
    const no = await track(CAPTURED);
    sink = newSink();
    await sink.start();
    await waitFor(() => allDelivered(no));
    const events = await eventsOf(stack, no);
    expect(events).toHaveLength(5);
    expect(deliveredIds(no)).toEqual(events.map((e) => e.event.id));
    const raw = (await stack.engine.ctx.redis.xrange(stack.engine.ctx.ks.events, '-', '+')) as Array<[string, string[]]>;
    for (const e of events) {
      const [a] = of(e.event.id);
      expect(a?.headers['content-type']).toBe('application/cloudevents+json');
      expect(a?.body).toBe(raw.find(([sid]) => sid === e.streamId)?.[1][3]);
      expect(verifyWebhook({ headers: a!.headers, body: a!.body, secret, nowSeconds: Date.now() / 1000 })).toEqual({
        ok: true,
        id: e.event.id,
        timestamp: Number(a!.headers['webhook-timestamp']),
      });
      expect(
        verifyWebhook({
          headers: a!.headers,
          body: a!.body,
          secret: `whsec_${randomBytes(32).toString('base64')}`,
          nowSeconds: Date.now() / 1000,
        }).ok,
      ).toBe(false);
      const history = await deliveryHistory(stack.engine.ctx, e.event.id);
      expect(history).toMatchObject([{ attempt: 1, result: 'delivered', status: 200 }]);
      // `at` is when the attempt began (the receiver saw it afterwards), `ms` how long it took: whole milliseconds,
      // within the time elapsed since it began
      const [attempt] = history;
      expect(a!.at).toBeGreaterThanOrEqual(attempt!.at);
      expect(Number.isInteger(attempt!.ms)).toBe(true);
      expect(attempt!.ms).toBeLessThanOrEqual(Date.now() - attempt!.at + 1);
    }
    const metrics = await stack.engine.metrics.registry.metrics();
    expect(metrics).toMatch(/llrecon_webhook_deliveries_total\{result="delivered"\} \d+/);
    expect(metrics).toMatch(/llrecon_webhook_delivery_duration_seconds_count\{result="delivered"\} \d+/);
  });

  it("retries a failing receiver on the schedule, and holds the order's later events until the first is in", async () => {
    const seen: string[] = [];
    answer = ({ body, nth }) => {
      const e = JSON.parse(body) as { id: string; subject: string };
      if (!seen.includes(e.subject) || version(e.id) !== 1) return 200;
      return nth === 1 ? 500 : nth === 2 ? 0 : 200;
    };
    const no = nextNo();
    seen.push(no);
    await track(CAPTURED, no);
    await waitFor(() => allDelivered(no));
    const ids = await eventIds(no);
    const first = of(ids[0]!);
    expect(first.map((a) => a.status)).toEqual([500, 0, 200]);
    expect(first[1]!.at - first[0]!.at).toBeGreaterThanOrEqual(190);
    expect(first[2]!.at - first[1]!.at).toBeGreaterThanOrEqual(390);
    // nothing of the order reached the receiver before its first event was delivered
    const firstIn = arrivals.indexOf(first[2]!);
    for (const id of ids.slice(1)) expect(arrivals.findIndex((a) => a.id === id)).toBeGreaterThan(firstIn);
    expect(deliveredIds(no)).toEqual(ids);
    const history = await deliveryHistory(stack.engine.ctx, ids[0]!);
    expect(history.map((h) => [h.attempt, h.result, h.status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', null],
      [3, 'delivered', 200],
    ]);
    expect(history[0]?.error).toBe('HTTP 500');
    expect(history[1]?.error).toMatch(/ECONNRESET|socket hang up/); // the receiver closed the connection unanswered
  });

  it('stops at 410 Gone: one attempt, the job failed for good, the order goes on; the dashboard can retry it', async () => {
    const gone = new Set<string>();
    answer = ({ body }) => {
      const e = JSON.parse(body) as { id: string; subject: string };
      return gone.has(e.subject) && version(e.id) === 2 ? 410 : 200;
    };
    const no = nextNo();
    gone.add(no);
    await track(CAPTURED, no);
    const ids = await eventIds(no);
    await waitFor(() => ids.filter((id) => id !== ids[1]).every((id) => of(id).some((a) => a.status === 200)));
    await new Promise((r) => setTimeout(r, 2 * policy.scheduleMs[1]!));
    expect(of(ids[1]!).map((a) => a.status)).toEqual([410]);
    const job = await sink!.queue.getJob(webhookJobId(ids[1]!));
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toContain('410');
    expect(await deliveryHistory(stack.engine.ctx, ids[1]!)).toMatchObject([{ attempt: 1, result: 'gone', status: 410 }]);
    expect(deliveredIds(no)).toEqual(ids.filter((id) => id !== ids[1]));
    expect(await stack.engine.metrics.registry.metrics()).toMatch(/llrecon_webhook_deliveries_total\{result="gone"\} 1\b/);

    gone.clear();
    await job!.retry('failed');
    await waitFor(() => of(ids[1]!).some((a) => a.status === 200));
    expect(await job!.getState()).toBe('completed');
  });

  it('gives up after the last attempt and keeps the job in the failed set', async () => {
    const failing = new Set<string>();
    answer = ({ body }) => (failing.has((JSON.parse(body) as { subject: string }).subject) ? 503 : 200);
    const no = nextNo();
    failing.add(no);
    await track([q('PR07'), q('PR11')], no);
    const ids = await eventIds(no);
    expect(ids).toHaveLength(2);
    // the first event's 4 attempts, then the second's (its predecessor is settled: given up)
    await waitFor(() => of(ids[1]!).length >= policy.maxAttempts, 10_000);
    expect(of(ids[0]!).map((a) => a.status)).toEqual([503, 503, 503, 503]);
    const lastOfFirst = of(ids[0]!)[3]!;
    expect(of(ids[1]!)[0]!.at).toBeGreaterThanOrEqual(lastOfFirst.at);
    for (const id of ids) {
      await waitFor(async () => (await sink!.queue.getJobState(webhookJobId(id))) === 'failed');
      expect((await deliveryHistory(stack.engine.ctx, id)).map((h) => h.result)).toEqual(['failed', 'failed', 'failed', 'failed']);
    }
  });

  it('after a stop, and a consumer killed between reading and acking, a new sink delivers what was missed, each once', async () => {
    answer = () => 200;
    await sink!.close();
    sink = null;
    const no = await track(CAPTURED);
    const { redis, ks } = stack.engine.ctx;
    // a consumer that read two events and died: the first after queueing its job, the second before
    const read = (await redis.xreadgroup('GROUP', WEBHOOK_GROUP, 'killed-consumer', 'COUNT', 2, 'STREAMS', ks.events, '>')) as Array<
      [string, Array<[string, string[]]>]
    >;
    const taken = read[0]![1];
    expect(taken.map(([sid, f]) => deliveryOf(sid, f)?.data.v)).toEqual([1, 2]);
    sink = newSink();
    const d = deliveryOf(taken[0]![0], taken[0]![1])!;
    await sink.queue.add(d.name, d.data, { jobId: webhookJobId(d.data.id) });
    await sink.start();
    await waitFor(() => allDelivered(no));
    // past the take-over time, nothing comes twice
    await new Promise((r) => setTimeout(r, 1500));
    const ids = await eventIds(no);
    expect(deliveredIds(no)).toEqual(ids);
    for (const id of ids) expect(of(id)).toHaveLength(1);
    const [pending] = (await redis.xpending(ks.events, WEBHOOK_GROUP)) as [number];
    expect(pending).toBe(0);
  });

  it('an event trimmed from the stream before the sink read it does not hold up the rest of its order', async () => {
    await sink!.close();
    sink = null;
    const no = await track(CAPTURED);
    const events = await eventsOf(stack, no);
    const { redis, ks } = stack.engine.ctx;
    await redis.xtrim(ks.events, 'MINID', events[1]!.streamId);
    sink = newSink();
    await sink.start();
    const kept = events.slice(1).map((e) => e.event.id);
    await waitFor(() => kept.every((id) => of(id).some((a) => a.status === 200)));
    expect(deliveredIds(no)).toEqual(kept);
    expect(of(events[0]!.event.id)).toEqual([]);
  });

  it('never delivered an event twice with success', () => {
    const ok = arrivals.filter((a) => a.status === 200).map((a) => a.id);
    expect(new Set(ok).size).toBe(ok.length);
    expect(ok.length).toBeGreaterThan(10);
  });
});
