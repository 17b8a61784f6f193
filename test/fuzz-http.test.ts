// Hostile input against a real llrecon over real HTTP on loopback (fetch, and a plain socket for what fetch cannot
// send): property-based bodies for POST /orders and LianLian's callback routes — wrong JSON types for every field,
// huge and exponent-form numbers, prototype-pollution keys, deep nesting, broken UTF-8, bodies over the limits,
// cut short or sent too slowly, malformed HTTP. Each is refused with a 4xx and the JSON error shape, the process
// keeps answering, and nothing is stored, queued or emitted.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { notifyJobId } from '../src/notify/intake.js';
import { QUEUE } from '../src/queues/names.js';
import {
  INVALID_UTF8,
  batchOf,
  bodies,
  expectErrorShape,
  hostileOrderMember,
  jobsIn,
  nestedArrays,
  nestedObjects,
  orderWith,
  pollutionObjectText,
  prototypeProperties,
  rawExchange,
  stateOf,
  validOrderMembers,
  wrongTypeLiteral,
  type StackState,
} from './support/hostile.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** The API role only: nothing drains the queues, so whatever a request queued is still there to be counted. */
let api: Stack;
let base: string;
const protoBefore = prototypeProperties();

const dt = formatLianLianTime(Date.now());
let seq = 0;
const uniqueNo = () => `FZ${Date.now().toString(36)}${(seq++).toString(36)}`;

beforeAll(async () => {
  api = await startStack({ http: true, env: { ROLES: 'api' } });
  base = api.url as string;
});
afterAll(async () => api?.close());

const auth = (): Record<string, string> => ({ authorization: `Bearer ${api.adminToken}` });

async function post(path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** The process still answers, and `before` is what the stack still holds. */
async function expectAliveAndUnchanged(before: StackState, what: string): Promise<void> {
  const health = await fetch(`${base}/healthz`);
  expect(health.status, `${what}: /healthz afterwards`).toBe(200);
  expect(await stateOf(api.engine), `${what}: stored, queued or emitted something`).toEqual(before);
}

/** A 4xx carrying `{"error":{"code","message"}}`; returns the error. */
function expectRefusal(r: { status: number; text: string }, what: string): { code: string; field?: string } {
  expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
  return expectErrorShape(r.text, what);
}

const fuzz = { numRuns: 200, endOnFailure: true } as const;

/** Deeply nested JSON texts, by name (so that a failure report names the case instead of printing it). */
const DEEP: Record<string, string> = {
  'arrays 10k': nestedArrays(10_000),
  'arrays 30k': nestedArrays(30_000),
  'arrays 300k': nestedArrays(300_000),
  'objects 10k': nestedObjects(10_000),
  '__proto__ objects 10k': nestedObjects(10_000, '__proto__'),
  'constructor objects 10k': nestedObjects(10_000, 'constructor'),
  'orders of arrays 10k': `{"orders":${nestedArrays(10_000)}}`,
};

describe('POST /orders under hostile bodies', () => {
  it('refuses an order or a batch with one hostile member (400 naming the field), tracking none of it', async () => {
    await fc.assert(
      fc.asyncProperty(hostileOrderMember, fc.nat(3), fc.nat(3), fc.boolean(), async (hostile, before, after, asBatch) => {
        const bad = orderWith(validOrderMembers(uniqueNo(), dt), hostile);
        const valid = (n: number) => Array.from({ length: n }, () => orderWith(validOrderMembers(uniqueNo(), dt)));
        const body = asBatch ? batchOf([...valid(before), bad, ...valid(after)]) : bad;
        const state = await stateOf(api.engine);
        const r = await post('/orders', body, { ...auth(), 'content-type': 'application/json' });
        expect(r.status, `${hostile.why}: ${r.text}`).toBe(400);
        const err = expectRefusal(r, hostile.why);
        if (hostile.field !== null) expect(err.field, hostile.why).toBe(asBatch ? `orders[${before}].${hostile.field}` : hostile.field);
        await expectAliveAndUnchanged(state, hostile.why);
      }),
      fuzz,
    );
  });

  it('refuses prototype-pollution keys anywhere, deep nesting, non-objects and cut-short JSON (400), polluting nothing', async () => {
    const cutShort = fc
      .tuple(fc.constant(`{"orders":[{"no_order":"${uniqueNo()}","dt_order":"${dt}","money_order":"1.00"}]}`), fc.nat())
      .map(([text, n]) => text.slice(0, n % text.length));
    const body = bodies(
      fc.oneof(
        pollutionObjectText,
        cutShort,
        fc
          .jsonValue()
          .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 40 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
        fc.constantFrom(...Object.keys(DEEP)).map((name) => DEEP[name] as string),
      ),
    );
    const state = await stateOf(api.engine);
    await fc.assert(
      fc.asyncProperty(body, async ({ text }) => {
        const what = `body ${text.slice(0, 80)}`;
        const r = await post('/orders', text, { ...auth(), 'content-type': 'application/json' });
        expect(r.status, `${what}: ${r.text}`).toBe(400);
        expectRefusal(r, what);
      }),
      fuzz,
    );
    await expectAliveAndUnchanged(state, 'hostile /orders bodies');
    expect(prototypeProperties()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a re-query with a hostile body or actor header (400), recording nothing', async () => {
    const no = uniqueNo();
    await api.engine.track({ no_order: no, dt_order: dt }, { source: 'embed' });
    const history = await api.engine.store.history(no);
    const state = await stateOf(api.engine);
    const body = bodies(
      fc.oneof(
        pollutionObjectText,
        fc.tuple(fc.constantFrom('reason', 'actor'), wrongTypeLiteral).map(([k, v]) => `{"${k}":${v}}`),
        fc.constantFrom('reason', 'actor').map((k) => `{"${k}":"${'r'.repeat(201)}"}`),
        fc.constantFrom(
          '{"reason":"r","extra":1}',
          '{"constructor":"x"}',
          '[]',
          '"x"',
          '1e308',
          'true',
          '{"reason":',
          nestedObjects(10_000, 'reason'),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ text }) => {
        const r = await post(`/orders/${encodeURIComponent(no)}/requery`, text, { ...auth(), 'content-type': 'application/json' });
        expect(r.status, `${text.slice(0, 80)}: ${r.text}`).toBe(400);
        expectRefusal(r, text.slice(0, 80));
      }),
      { numRuns: 100, endOnFailure: true },
    );
    for (const actor of ['a'.repeat(201), `${'a'.repeat(150)}, ${'b'.repeat(60)}`]) {
      const r = await post(`/orders/${encodeURIComponent(no)}/requery`, '', {
        ...auth(),
        'content-type': 'application/json',
        'x-llrecon-actor': actor,
      });
      expect(r.status).toBe(400);
      expect(expectRefusal(r, 'actor header').field).toBe('x-llrecon-actor');
    }
    await expectAliveAndUnchanged(state, 'hostile re-queries');
    expect(await api.engine.store.history(no)).toEqual(history);
  });

  it('refuses other content types (415), whatever the body', async () => {
    const state = await stateOf(api.engine);
    const order = JSON.stringify({ no_order: uniqueNo(), dt_order: dt });
    for (const type of [
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      'application/jsonx',
      'json',
    ]) {
      const r = await post('/orders', order, { ...auth(), 'content-type': type });
      expect(r.status, type).toBe(415);
      expect(expectRefusal(r, type).code).toBe('LLRECON_UNSUPPORTED_MEDIA_TYPE');
    }
    // no content type at all
    const none = await rawExchange(base, { path: '/orders', headers: auth(), body: order });
    expect(none.status).toBe(415);
    expectErrorShape(none.body, 'no content type');
    await expectAliveAndUnchanged(state, 'wrong content types');
  });
});

describe("LianLian's callback routes under hostile bodies", () => {
  const routes = ['/notify/lianlian', '/notify/lianlian/return'] as const;

  it('refuses what is not a JSON object (400) and queues nothing', async () => {
    const notJsonObject = bodies(
      fc.oneof(
        fc
          .jsonValue()
          .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 60 }).filter((s) => {
          try {
            const v: unknown = JSON.parse(s);
            return typeof v !== 'object' || v === null || Array.isArray(v);
          } catch {
            return true;
          }
        }),
        fc
          .constant(`{"oid_partner":"201103171000000000","no_order":"x","sign":"c2ln"`)
          .chain((t) => fc.nat(t.length - 1).map((n) => t.slice(0, n))),
        fc
          .constantFrom(...Object.keys(DEEP).filter((name) => name.startsWith('arrays') && (DEEP[name] as string).length <= 64 * 1024))
          .map((name) => DEEP[name] as string),
        fc.constantFrom('[{"a":1}]', 'null', '"{}"'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom('application/json', 'text/json;charset=utf-8', 'application/json; charset=UTF-8'),
        notJsonObject,
        async (route, type, { text }) => {
          const what = `${route} ${type} ${text.slice(0, 80)}`;
          const state = await stateOf(api.engine);
          const r = await post(route, text, { 'content-type': type });
          expect(r.status, `${what}: ${r.text}`).toBe(400);
          expectRefusal(r, what);
          await expectAliveAndUnchanged(state, what);
        },
      ),
      fuzz,
    );
  });

  it('refuses a body that is not UTF-8 (400) and queues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...INVALID_UTF8),
        fc.constantFrom('no_order', 'ret_msg', 'sign'),
        async (route, bytes, key) => {
          const body = Buffer.concat([
            Buffer.from(`{"oid_partner":"201103171000000000","${key}":"x`),
            bytes,
            Buffer.from(`","n":"${uniqueNo()}"}`),
          ]);
          const what = `${route} with ${bytes.toString('hex')} in ${key}`;
          const state = await stateOf(api.engine);
          const r = await post(route, body, { 'content-type': 'application/json' });
          expect(r.status, `${what}: ${r.text}`).toBe(400);
          expectRefusal(r, what);
          await expectAliveAndUnchanged(state, what);
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('refuses other content types (415), and a url_return form with a repeated field (400), queueing nothing', async () => {
    const state = await stateOf(api.engine);
    const object = JSON.stringify({ no_order: uniqueNo() });
    for (const route of routes)
      for (const type of [
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'image/png',
        'application/jsonx',
      ]) {
        const r = await post(route, object, { 'content-type': type });
        expect(r.status, `${route} ${type}`).toBe(415);
        expect(expectRefusal(r, type).code).toBe('LLRECON_UNSUPPORTED_MEDIA_TYPE');
      }
    // LianLian posts JSON: a form is only taken on the url_return route
    const form = await post('/notify/lianlian', 'no_order=x&sign=y', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    for (const text of ['no_order=a&no_order=b', '__proto__=a&__proto__=b', 'sign=a&x=1&sign=a']) {
      const r = await post('/notify/lianlian/return', text, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status, text).toBe(400);
      expectRefusal(r, text);
    }
    await expectAliveAndUnchanged(state, 'callbacks of other types');
  });

  it('refuses a JSON object it cannot verify, however hostile its contents, queueing nothing, without polluting anything', async () => {
    const contents = bodies(
      fc.oneof(
        pollutionObjectText.map((t) => t.slice(1, -1)),
        fc.constantFrom(
          '"money_order":1e308',
          '"money_order":-0',
          '"money_order":18446744073709551616',
          '"valid_order":1E+400',
          '"x":"\\u0000\\ud800"',
        ),
        fc.constantFrom(`"risk_item":${nestedObjects(4_000, '__proto__')}`, `"a":${nestedArrays(30_000)}`),
        fc
          .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
          .map((o) => JSON.stringify(o).slice(1, -1)),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), contents, async (route, { text: inner }) => {
        const raw = `{"nonce":"${uniqueNo()}"${inner === '' ? '' : `,${inner}`}}`;
        const before = jobsIn(await stateOf(api.engine), QUEUE.notify);
        const r = await post(route, raw, { 'content-type': 'text/json;charset=utf-8' });
        // unsigned: refused at the door (400; 429 once this source has spent its budget of refusals)
        expect([400, 429], `${raw.slice(0, 80)}: ${r.text}`).toContain(r.status);
        expectRefusal(r, raw.slice(0, 80));
        expect(jobsIn(await stateOf(api.engine), QUEUE.notify)).toBe(before);
      }),
      { numRuns: 100, endOnFailure: true },
    );
    expect(prototypeProperties()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bodies over the limits, cut short, or malformed HTTP', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses a body one byte over the limit with 413, by Content-Length or chunked, queueing nothing', async () => {
    const state = await stateOf(api.engine);
    const cases: Array<[string, number, Record<string, string>]> = [
      ['/notify/lianlian', 64 * 1024, {}],
      ['/notify/lianlian/return', 64 * 1024, {}],
      ['/orders', 1024 * 1024, auth()],
    ];
    for (const [path, limit, headers] of cases) {
      const over = `{"a":"${'x'.repeat(limit - 7)}"}`;
      expect(Buffer.byteLength(over)).toBe(limit + 1);
      const byLength = await rawExchange(base, { path, headers: { ...headers, ...json }, body: over });
      expect(byLength.status, `${path} by length`).toBe(413);
      expect(expectErrorShape(byLength.body, path).code).toBe('LLRECON_BODY_TOO_LARGE');
      const size = Buffer.byteLength(over).toString(16);
      const chunked = await rawExchange(base, {
        path,
        headers: { ...headers, ...json, 'transfer-encoding': 'chunked' },
        body: `${size}\r\n${over}\r\n0\r\n\r\n`,
      });
      expect(chunked.status, `${path} chunked`).toBe(413);
      expect(expectErrorShape(chunked.body, path).code).toBe('LLRECON_BODY_TOO_LARGE');
      // a Content-Length far beyond the limit is refused before the body comes
      const claimed = await rawExchange(base, {
        path,
        headers: { ...headers, ...json, 'content-length': '999999999999' },
        body: '{}',
        waitMs: 3000,
      });
      expect(claimed.status, `${path} claimed length`).toBe(413);
    }
    await expectAliveAndUnchanged(state, 'oversize bodies');
  });

  it('refuses a body cut short (the client stops sending and closes its side), queueing nothing', async () => {
    const state = await stateOf(api.engine);
    for (const [path, headers] of [
      ['/notify/lianlian', {}],
      ['/notify/lianlian/return', {}],
      ['/orders', auth()],
    ] as const) {
      const body = JSON.stringify({ no_order: uniqueNo(), dt_order: dt });
      const r = await rawExchange(base, {
        path,
        headers: { ...headers, ...json, 'content-length': String(body.length + 50) },
        body,
        endAfter: true,
      });
      if (r.status !== null) {
        expect(r.status, path).toBeGreaterThanOrEqual(400);
        expect(r.status, path).toBeLessThan(500);
        expectErrorShape(r.body, `${path} cut short`);
      } else expect(r.closed, `${path}: neither answered nor closed`).toBe(true);
    }
    await expectAliveAndUnchanged(state, 'bodies cut short');
  });

  it('answers malformed HTTP (bad chunking, bytes past Content-Length, bad header names, huge headers) with a 4xx in the JSON error shape', async () => {
    const state = await stateOf(api.engine);
    const cases: Array<[string, Parameters<typeof rawExchange>[1]]> = [
      ['bad chunk size', { path: '/notify/lianlian', headers: { ...json, 'transfer-encoding': 'chunked' }, body: 'zz\r\n{}\r\n0\r\n\r\n' }],
      // (the first two bytes, `[]`, are a request of their own: refused as not an object)
      [
        'bytes past Content-Length',
        { path: '/notify/lianlian', headers: { ...json, 'content-length': '2' }, body: '[]GARBAGE /x\r\n\r\n' },
      ],
      ['a control character in a header name', { path: '/notify/lianlian', headers: { ...json, 'x-bad\u0001': 'v' }, body: '{}' }],
      [
        'Content-Length twice',
        { path: '/notify/lianlian', headers: { ...json, 'content-length': '2', 'Content-Length': '3' }, body: '{}' },
      ],
      ['headers over 16 KiB', { path: '/notify/lianlian', headers: { ...json, 'x-pad': 'p'.repeat(20_000) }, body: '{}' }],
      ['a space in the path', { method: 'GET', path: '/healthz x', headers: {} }],
    ];
    for (const [what, request] of cases) {
      const r = await rawExchange(base, { waitMs: 3000, ...request });
      expect(r.status, `${what}: ${r.body}`).not.toBeNull();
      expect(r.status, what).toBeGreaterThanOrEqual(400);
      expect(r.status, what).toBeLessThan(500);
      expectErrorShape(r.body, what);
    }
    for (const path of ['/orders/%E0%A4%A', '/orders/%', '/notify/lianlian?%zz']) {
      const r = await fetch(`${base}${path}`, { headers: auth() });
      expect(r.status, path).toBeLessThan(500);
      expectErrorShape(await r.text(), path);
    }
    await expectAliveAndUnchanged(state, 'malformed HTTP');
  });

  it('answers hostile order numbers in the URL with 404 or 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), fc.boolean(), async (no, requery) => {
        // sent as raw bytes: fetch would normalise `/orders/./requery` (or `%2E`) to `/orders/requery`
        const path = `/orders/${encodeURIComponent(no)}${requery ? '/requery' : ''}`;
        const r = await rawExchange(base, {
          method: requery ? 'POST' : 'GET',
          path,
          headers: { ...auth(), 'content-length': '0' },
          waitMs: 3000,
        });
        expect([400, 404], `${path}: ${r.body}`).toContain(r.status);
        expectErrorShape(r.body, path);
      }),
      {
        numRuns: 150,
        endOnFailure: true,
        examples: [
          ['.', true],
          ['..', true],
          ['.', false],
          ['..', false],
          ['%2e', true],
        ],
      },
    );
  });
});

describe('a client that sends half a body and then waits', () => {
  /** The longest a stalled request may hold a connection. */
  const CUT_OFF_WITHIN_MS = 15_000;

  it('is cut off by the server within 15 s (408 or the connection closed), while others are served', async () => {
    const server = api.app?.server;
    expect(server).toBeDefined();
    // Node cuts a request off after `requestTimeout` (only while headersTimeout ≤ requestTimeout), or an idle
    // socket after `timeout` (Fastify's connectionTimeout); Fastify turns Node's 5-minute default off.
    const byRequest = (server?.requestTimeout ?? 0) > 0 && (server?.headersTimeout ?? 0) <= (server?.requestTimeout ?? 0);
    const byIdle = (server?.timeout ?? 0) > 0;
    expect(
      byRequest || byIdle,
      `no timeout cuts a stalled body off (requestTimeout ${server?.requestTimeout}, headersTimeout ${server?.headersTimeout}, connectionTimeout ${server?.timeout})`,
    ).toBe(true);

    const state = await stateOf(api.engine);
    const slow = (path: string, headers: Record<string, string>) =>
      rawExchange(base, {
        path,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': '200' },
        body: `{"no_order":"${uniqueNo()}","dt_order":"${dt}"`,
        sendBytes: 20,
        waitMs: CUT_OFF_WITHIN_MS,
      });
    const pending = [slow('/notify/lianlian', {}), slow('/notify/lianlian/return', {}), slow('/orders', auth())];
    // meanwhile the server answers others
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    for (const r of await Promise.all(pending)) {
      expect(r.closed || r.status !== null, `still waiting ${r.ms} ms after the last byte`).toBe(true);
      if (r.status !== null) {
        expect(r.status).toBe(408);
        expectErrorShape(r.body, 'slow body');
      }
    }
    await expectAliveAndUnchanged(state, 'slow bodies');
  });
});

describe('the notify workers on hostile callbacks', () => {
  it('reject prototype-pollution and deeply nested callbacks without polluting anything or failing', async () => {
    const full = await startStack({ env: { ROLES: 'notify' } });
    try {
      const bodies: Array<['async' | 'return', string]> = [
        [
          'async',
          `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"oid_partner":"${full.oidPartner}","no_order":"PP1","sign":"c2ln"}`,
        ],
        ['return', `{"__proto__":{"polluted":"yes"},"oid_partner":"${full.oidPartner}","no_order":"PP2","sign":"c2ln"}`],
        ['return', JSON.stringify(Object.fromEntries(new URLSearchParams('__proto__=x&constructor=y&prototype=z&no_order=PP3&sign=c2ln')))],
        ['async', `{"oid_partner":"${full.oidPartner}","no_order":"PP4","risk_item":${nestedObjects(4_000, '__proto__')},"sign":"c2ln"}`],
        ['async', `{"oid_partner":"${full.oidPartner}","no_order":"PP5","a":${nestedArrays(30_000)},"sign":"c2ln"}`],
      ];
      for (const [kind, raw] of bodies) await full.engine.acceptNotification(raw, kind);
      const notify = full.engine.queues.find((q) => q.name === QUEUE.notify);
      await waitFor(async () => (await notify?.getCompletedCount()) === bodies.length, 10_000);
      expect(await notify?.getFailedCount()).toBe(0);
      for (const [kind, raw] of bodies)
        expect((await notify?.getJob(notifyJobId(kind, raw)))?.returnvalue).toMatchObject({ verdict: 'rejected' });
      expect(prototypeProperties()).toEqual(protoBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const state = await stateOf(full.engine);
      expect(Object.values(state.orders).reduce((a, b) => a + b, 0)).toBe(0);
      expect(state.events).toBe(0);
      expect(jobsIn(state, QUEUE.confirm)).toBe(0);
    } finally {
      await full.close();
    }
  });
});
