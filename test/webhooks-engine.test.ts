// EVENTS_WEBHOOK_URL turns the webhook sink on inside the engine: every event of an order arrives at the
// receiver, in order, signed the Standard Webhooks way.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { verifyWebhook } from '../src/webhooks/standard-webhooks.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const received: Array<{ headers: Record<string, string>; body: string }> = [];
let receiver: Server;
let stack: Stack;

beforeAll(async () => {
  registerSecrets(secret);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  stack = await startStack({ env: { EVENTS_WEBHOOK_URL: url, EVENTS_WEBHOOK_SECRET: secret, POLL_SCHEDULE: '30ms' } });
});
afterAll(async () => {
  await stack?.close();
  receiver?.close();
});

it('delivers each event of an order, in order, with a verifiable signature', async () => {
  expect(stack.engine.queues.map((q) => q.name)).toContain('webhook');
  const dt = formatLianLianTime(Date.now());
  const no = `WH${Date.now()}`;
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '3.00',
    timeline: [{ code: 'PR07', after: { queries: 1 } }, { code: 'PR12', after: { queries: 1 } }, { code: 'PR11' }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '3.00' }, { source: 'embed' });
  const mine = await waitFor(() => {
    const m = received.filter((r) => r.body.includes(no));
    return m.length >= 3 ? m : null;
  }, 20_000);
  expect(mine.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
    'preauth.authorized',
    'preauth.updated',
    'preauth.captured',
  ]);
  for (const r of mine) {
    const v = verifyWebhook({ headers: r.headers, body: r.body, secret, nowSeconds: Math.floor(Date.now() / 1000) });
    expect(v.ok).toBe(true);
    expect(r.headers['webhook-id']).toBe((JSON.parse(r.body) as { id: string }).id);
  }
});
