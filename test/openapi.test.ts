// The API reference (/openapi.json, /docs): every JSON API route the app registers is in the document, and every
// answer the routes give in a session of real calls is one its schema allows (Ajv, JSON Schema 2020-12 as OpenAPI
// 3.1 uses), with each documented operation seen answering 2xx at least once; the bodies sent are ones the request
// schemas allow. The schemas never change an answer: each real answer equals what Fastify's schema-driven
// serializer would have sent for it with the route's own schema (so no key is dropped, with or without them).
// /docs renders from llrecon's own assets.
import diagnostics from 'node:diagnostics_channel';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { importPrivateKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { settlementFiles } from '../src/sandbox/settlement-files.js';
import { baseOf, type RouteDef } from './support/route-list.js';
import { tempDir } from './support/settlement.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** What the document leaves out on purpose: the HTML pages, bull-board, Prometheus text, the icon, itself. */
const EXCLUDED = (r: RouteDef): boolean =>
  r.method === 'HEAD' ||
  r.url === '/admin' ||
  r.url.startsWith('/admin/') ||
  r.url === '/docs' ||
  r.url.startsWith('/docs/') ||
  ['/metrics', '/favicon.ico', '/openapi.json'].includes(r.url);

interface Seen {
  method: string;
  route: string;
  status: number;
  type: string;
  payload: string;
  /** The route's own response schemas (what Fastify would serialize with). */
  schemas: Record<string, unknown> | undefined;
}

type Operation = {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

let stack: Stack;
let app: FastifyInstance;
let base: string;
let doc: Doc;
const routes: RouteDef[] = [];
const seen: Seen[] = [];
const sent: Array<{ method: string; route: string; type: string; body: unknown; status: number }> = [];
const dt = formatLianLianTime(Date.now());
let n = 0;

/** The app as the daemon builds it, recording every route it declares and every answer it sends. */
async function buildRecorded(s: Stack): Promise<FastifyInstance> {
  const onInit = (message: unknown) => {
    const f = (message as { fastify: FastifyInstance }).fastify;
    f.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
    f.addHook('onSend', async (req, reply, payload) => {
      const route = req.routeOptions.url;
      if (route !== undefined && typeof payload === 'string')
        seen.push({
          method: req.method,
          route,
          status: reply.statusCode,
          type: String(reply.getHeader('content-type') ?? ''),
          payload,
          schemas: (req.routeOptions.schema as { response?: Record<string, unknown> } | undefined)?.response,
        });
      return payload;
    });
  };
  diagnostics.subscribe('fastify.initialization', onInit);
  try {
    return await buildApp(s.engine, { logger: false });
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
}

beforeAll(async () => {
  stack = await startStack({
    env: { ROLES: 'api,query,notify', ACTIONS_ENABLED: 'true', POLL_SCHEDULE: '100ms', SETTLEMENT_DIR: tempDir() },
  });
  app = await buildRecorded(stack);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = baseOf(app);
  const res = await fetch(`${base}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

/** `/orders/:no_order` as the document writes it: `/orders/{no_order}`. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** A JSON call with the admin token, its body recorded to check against the request schema. */
async function call(method: string, route: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (body !== undefined) sent.push({ method, route, type: 'application/json', body, status: res.status });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An order LianLian authorized, known to llrecon as authorized, with a payer (so it can be captured or voided). */
async function authorized(): Promise<string> {
  const no = `OAS${Date.now()}${n++}`;
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '20.00',
    timeline: [{ code: 'PR07' }],
  });
  const r = await call('POST', '/orders', '/orders', { no_order: no, dt_order: dt, money_order: '20.00', user_id: 'payer-1' });
  expect(r.status).toBe(202);
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized');
  return no;
}

const signed = (fields: Record<string, string>) =>
  signFields({ oid_partner: stack.oidPartner, ...fields }, importPrivateKey(stack.lianlianKeyPem));

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and names every JSON API route the app registers, and no page', () => {
    expect(doc.openapi).toBe('3.1.0');
    const api = routes.filter((r) => !EXCLUDED(r));
    expect(api.length).toBeGreaterThanOrEqual(15);
    for (const r of api) expect(doc.paths[openapiPath(r.url)]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual([...new Set(api.map((r) => `${r.method} ${openapiPath(r.url)}`))].sort());
  });

  it('serves /docs from llrecon itself, under a CSP that allows only its own scripts', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-eval/);
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js']));
    for (const asset of assets) expect((await fetch(`${base}${asset}`)).status, asset).toBe(200);
    const init = await (await fetch(`${base}/docs/static/swagger-initializer.js`)).text();
    expect(init).toContain('validatorUrl: null');
  });

  it('renders in Chromium with no console error and no request off llrecon, and "Try it out" answers with the token', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const offsite: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) offsite.push(r.url());
      });
      await page.goto(`${base}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBe(Object.values(doc.paths).flatMap((ops) => Object.keys(ops)).length);
      // authorize with the bearer token, then call GET /orders from the page
      await page
        .getByRole('button', { name: /Authorize/ })
        .first()
        .click();
      await page.locator('.modal-ux input').first().fill(stack.adminToken);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.close-modal').click();
      const list = page.locator('#operations-orders-get_orders');
      await list.locator('.opblock-summary').click();
      await list.getByRole('button', { name: 'Try it out' }).click();
      const answered = page.waitForResponse((r) => r.url().startsWith(`${base}/orders`));
      await list.getByRole('button', { name: 'Execute' }).click();
      expect((await answered).status()).toBe(200);
      expect(problems).toEqual([]);
      expect(offsite).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('real answers against the document', () => {
  it('exercises every documented operation', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // orders
    const a = await authorized();
    const b = await authorized();
    const single = `OAS-S${Date.now()}`;
    expect((await call('POST', '/orders', '/orders', { no_order: single, dt_order: dt })).status).toBe(202);
    const batch = {
      orders: [
        { no_order: `${single}-1`, dt_order: dt, money_order: '1.00', pay_type: 'G' },
        { no_order: single, dt_order: dt },
      ],
    };
    expect((await call('POST', '/orders', '/orders', batch)).body).toEqual({ accepted: [`${single}-1`], duplicates: [single] });
    expect((await call('POST', '/orders', '/orders', { orders: [{ no_order: 'x', dt_order: 'nope' }] })).status).toBe(400);
    expect((await call('POST', '/orders', '/orders', { no_order: single, dt_order: dt }, { authorization: '' })).status).toBe(401);
    expect((await call('GET', '/orders', '/orders?limit=3')).status).toBe(200);
    expect((await call('GET', '/orders', '/orders?limit=0')).status).toBe(400);
    const detail = await call('GET', '/orders/:no_order', `/orders/${a}`);
    expect(detail.status).toBe(200);
    expect((detail.body.history as unknown[]).length).toBeGreaterThan(1);
    expect((await call('GET', '/orders/:no_order', '/orders/NOPE-OAS')).status).toBe(404);
    expect((await call('POST', '/orders/:no_order/requery', `/orders/${single}/requery`, { reason: 'check' })).status).toBe(202);
    expect((await call('POST', '/orders/:no_order/requery', '/orders/NOPE-OAS/requery')).status).toBe(404);

    // actions
    const cap = await call('POST', '/orders/:no_order/capture', `/orders/${a}/capture`, { reason: 'shipped', money_order: '20.00' });
    expect(cap.status).toBe(202);
    expect(
      (await call('POST', '/orders/:no_order/void', `/orders/${b}/void`, { reason: 'cancelled' }, { 'idempotency-key': 'k1' })).status,
    ).toBe(202);
    expect((await call('POST', '/orders/:no_order/void', `/orders/${single}/void`, { reason: 'x' })).status).toBe(409);
    const id = cap.body.action_id as string;
    await waitFor(async () => (await stack.engine.actions?.get(id))?.status === 'done');
    expect((await call('GET', '/orders/:no_order/actions/:action_id', `/orders/${a}/actions/${id}`)).status).toBe(200);
    expect((await call('GET', '/orders/:no_order/actions/:action_id', `/orders/${a}/actions/nope`)).status).toBe(404);
    const history = await call('GET', '/orders/:no_order', `/orders/${a}`);
    expect((history.body.history as Array<{ kind: string }>).map((h) => h.kind)).toEqual(
      expect.arrayContaining(['tracked', 'change', 'action']),
    );

    // untrack
    expect((await call('DELETE', '/orders/:no_order', `/orders/${single}`, { reason: 'test over' })).status).toBe(200);
    expect((await call('GET', '/orders/:no_order', `/orders/${single}`)).body.untracked).toBe(true);
    expect((await call('DELETE', '/orders/:no_order', '/orders/NOPE-OAS', { reason: 'x' })).status).toBe(404);

    // callbacks
    const note = signed({ no_order: b, dt_order: dt, money_order: '20.00' });
    sent.push({ method: 'POST', route: '/notify/lianlian', type: 'application/json', body: note, status: 200 });
    const post = (path: string, body: string, type: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('/notify/lianlian', JSON.stringify(note), 'text/json;charset=utf-8')).status).toBe(200);
    expect((await post('/notify/lianlian', JSON.stringify({ ...note, money_order: '1.00' }), 'application/json')).status).toBe(400);
    const form = signed({ no_order: a, dt_order: dt });
    sent.push({ method: 'POST', route: '/notify/lianlian/return', type: 'application/x-www-form-urlencoded', body: form, status: 200 });
    expect((await post('/notify/lianlian/return', new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded')).status).toBe(
      200,
    );

    // settlements
    const day = '20260305';
    const file = settlementFiles([
      { oid_partner: stack.oidPartner, no_order: a, dt_order: dt, oid_paybill: '2026000000000001', money_order: '21.00', settle_date: day },
    ]).daily[0]!;
    const upload = (name: string, bytes: Buffer | string) =>
      fetch(`${base}/settlements/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.adminToken}`, 'x-filename': name, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
    expect((await upload(file.name, file.bytes)).status).toBe(200);
    expect((await upload(file.name, 'not a settlement file\n')).status).toBe(400);
    expect((await call('GET', '/settlements', '/settlements')).status).toBe(200);
    const report = await call('GET', '/settlements/:settle_date', `/settlements/${day}`);
    expect((report.body.items as unknown[]).length).toBeGreaterThan(0);
    expect((await call('GET', '/settlements/:settle_date', '/settlements/20250101')).status).toBe(200);
    expect((await call('GET', '/settlements/:settle_date', '/settlements/nope')).status).toBe(400);
  });

  it('gave only answers the document allows, a 2xx from every operation', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addKeyword('example');
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    ajv.addFormat('binary', true);
    const ok = new Set<string>();
    let checked = 0;
    for (const s of seen) {
      const op = doc.paths[openapiPath(s.route)]?.[s.method.toLowerCase()];
      if (op === undefined) continue;
      const what = `${s.method} ${s.route} → ${s.status}`;
      const response = op.responses[String(s.status)];
      expect(response, `${what}: status not documented`).toBeDefined();
      expect(s.type, what).toMatch(/^application\/json/);
      const schema = response!.content?.['application/json']?.schema;
      expect(schema, what).toBeDefined();
      const validate = ajv.compile(schema!);
      const body: unknown = JSON.parse(s.payload);
      expect(validate(body) ? [] : validate.errors, `${what}: ${s.payload.slice(0, 300)}`).toEqual([]);
      if (s.status < 300) ok.add(`${s.method} ${s.route}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect([...ok].sort()).toEqual(operations.sort());
  });

  it('took bodies the request schemas allow', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addKeyword('example');
    ajv.addFormat('date-time', true);
    ajv.addFormat('binary', true);
    const accepted = sent.filter((s) => s.status < 300);
    expect(accepted.length).toBeGreaterThan(8);
    for (const s of accepted) {
      const op = doc.paths[openapiPath(s.route)]?.[s.method.toLowerCase()];
      const schema = op?.requestBody?.content[s.type]?.schema;
      expect(schema, `${s.method} ${s.route} ${s.type}`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(s.body) ? [] : validate.errors, `${s.method} ${s.route}`).toEqual([]);
    }
  });

  it("keeps every key: each answer is what Fastify's schema serializer would send with the route's own schema", async () => {
    const cases = seen.filter((s) => s.schemas?.[String(s.status)] !== undefined);
    expect(cases.length).toBeGreaterThan(30);
    // a Fastify with its default (fast-json-stringify) serializer, one route per answer, echoing the answer
    const echo = Fastify();
    cases.forEach((s, i) =>
      echo.get(`/${i}`, { schema: { response: { [s.status]: s.schemas![String(s.status)] } } }, async (_req, reply) =>
        reply.code(s.status).send(JSON.parse(s.payload)),
      ),
    );
    try {
      for (const [i, s] of cases.entries()) {
        const res = await echo.inject({ method: 'GET', url: `/${i}` });
        expect(JSON.parse(res.payload), `${s.method} ${s.route} → ${s.status}`).toEqual(JSON.parse(s.payload));
      }
    } finally {
      await echo.close();
    }
  });
});
