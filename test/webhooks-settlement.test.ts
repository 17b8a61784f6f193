// The webhook sink delivers settlement events too: `settlement.mismatch` and `settlement.processed` have ids that
// name no order version (settlement:<oid_partner>:…), so they are delivered with no per-order ordering gate, each
// once (their job id is their event id), signed like every other event; a re-import adds no event, so nothing is
// delivered again.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '../src/redis/connection.js';
import { settlementFiles } from '../src/sandbox/settlement-files.js';
import { importSettlementFile } from '../src/settlement/import.js';
import { deliveryOf, webhookJobId } from '../src/webhooks/delivery-job.js';
import { deliveryHistory } from '../src/webhooks/delivery-log.js';
import { createWebhookSink, type WebhookSink } from '../src/webhooks/dispatcher.js';
import { verifyWebhook } from '../src/webhooks/standard-webhooks.js';
import { createWebhookWorker } from '../workers/webhook-worker.js';
import { settlementEvents, tempDir, testDeps, writeIn } from './support/settlement.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

interface Arrival {
  id: string;
  type: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const arrivals: Arrival[] = [];
let stack: Stack;
let receiver: Server;
let conn: Redis | Cluster;
let sink: WebhookSink;

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '1h' } });
  conn = createRedis({ redisUrl: inject('redisUrl'), redisCluster: false }, 'worker');
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      arrivals.push({
        id: String(req.headers['webhook-id']),
        type: (JSON.parse(body) as { type: string }).type,
        headers: req.headers,
        body,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sink = createWebhookSink(
    stack.engine.ctx,
    conn as unknown as ConnectionOptions,
    {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      secret,
      retry: { scheduleMs: [200], maxAttempts: 3, jitter: 0 },
      tuning: { lockDurationMs: 1000, orderWaitMs: 50 },
    },
    createWebhookWorker,
  );
  await sink.start();
});

afterAll(async () => {
  await sink?.close();
  await stack?.close();
  await conn?.quit();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

describe('settlement events on the webhook sink', () => {
  it('reads a settlement event as a delivery outside any order sequence, its job named by its id', () => {
    const id = 'settlement:201408071000001546:20260305:ORDER1:untracked:abcDEF123456';
    const body = JSON.stringify({ id, subject: 'ORDER1', type: 'settlement.mismatch' });
    const d = deliveryOf('1-0', ['type', 'settlement.mismatch', 'event', body]);
    expect(d).toEqual({ name: 'settlement.mismatch', data: { id, no: 'ORDER1', v: 0, sid: '1-0', body } });
    expect(webhookJobId(d!.data)).toBe(webhookJobId(id));
    expect(webhookJobId(id)).not.toBe(webhookJobId(id.replace('abcDEF123456', 'abcDEF123457')));
    // an order's event still gets its per-order job id
    expect(webhookJobId('201408071000001546:ORDER1:3:captured')).toBe(webhookJobId('201408071000001546:ORDER1:3'));
  });

  it('delivers settlement.mismatch and settlement.processed once each, signed over the exact stream JSON', async () => {
    const { redis, ks } = stack.engine.ctx;
    const day = '20260305';
    const no = `UNTRACKED${Date.now()}`;
    const file = settlementFiles([
      {
        oid_partner: stack.oidPartner,
        no_order: no,
        dt_order: '20260304100000',
        oid_paybill: '2026030500000001',
        money_order: '12.00',
        settle_date: day,
      },
    ]).daily[0]!;
    const path = writeIn(tempDir(), file.name, file.bytes);
    const deps = testDeps(redis, ks, stack.oidPartner);
    expect((await importSettlementFile(deps, path)).counts.untracked).toBe(1);
    const events = await settlementEvents(redis, ks);
    const ids = events.map((e) => e.id);
    expect(events.map((e) => e.type).sort()).toEqual(['settlement.mismatch', 'settlement.processed']);
    await waitFor(() => ids.every((id) => arrivals.some((a) => a.id === id)), 15_000);
    const raw = (await redis.xrange(ks.events, '-', '+')) as Array<[string, string[]]>;
    for (const id of ids) {
      const [a, ...again] = arrivals.filter((x) => x.id === id);
      expect(again).toEqual([]);
      expect(raw.some(([, f]) => f[3] === a!.body)).toBe(true);
      expect(verifyWebhook({ headers: a!.headers, body: a!.body, secret, nowSeconds: Date.now() / 1000 })).toMatchObject({ ok: true, id });
      expect(await deliveryHistory(stack.engine.ctx, id)).toMatchObject([{ attempt: 1, result: 'delivered', status: 200 }]);
    }
    // the same file again: no new event, nothing delivered again
    expect((await importSettlementFile(deps, path)).status).toBe('unchanged');
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals.filter((a) => a.type.startsWith('settlement.'))).toHaveLength(2);
  });
});
