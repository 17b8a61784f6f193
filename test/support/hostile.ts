// Hostile input for the fuzz and security tests: raw HTTP over a plain socket (invalid UTF-8, lying
// Content-Length, bodies that stop half-way), a snapshot of everything a request could change in a stack, and
// fast-check arbitraries of the nasty values that must never be accepted (prototype-pollution keys, wrong JSON
// types, huge and exponent-form numbers, deep nesting, broken UTF-8).
import { connect } from 'node:net';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RunningEngine } from '../../src/engine.js';

// ---------------------------------------------------------------------------------------------------------------
// Raw HTTP

/** What came back on a raw socket: the status (null when none came), headers, body, and whether it was closed. */
export interface RawResponse {
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Milliseconds from the last byte written to the answer (or the close, or giving up). */
  ms: number;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is (Content-Length is its byte length unless `headers` give one). */
  body?: Buffer | string;
  /** Write only this many bytes of the body, then stop writing (the socket stays open unless `endAfter`). */
  sendBytes?: number;
  /** Half-close the socket after writing (the client gives up sending). */
  endAfter?: boolean;
  /** Give up waiting for an answer after this long (default 5 s). */
  waitMs?: number;
}

/** `http://host:port` → host and port. */
function hostPort(base: string): { host: string; port: number } {
  const u = new URL(base);
  return { host: u.hostname, port: Number(u.port) };
}

/** The full request as bytes (Content-Length from the body unless given; `Connection: close`). */
function requestBytes(base: string, r: RawRequest): Buffer {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers: Record<string, string> = { host: new URL(base).host, connection: 'close', ...r.headers };
  const chunked = Object.entries(headers).some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  const hasLength = Object.keys(headers).some((k) => k.toLowerCase() === 'content-length');
  if (!chunked && !hasLength && (r.body !== undefined || (r.method ?? 'POST') === 'POST')) headers['content-length'] = String(body.length);
  const head = `${r.method ?? 'POST'} ${r.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Parse what a server sent; `complete` once the whole message (by Content-Length or chunked end) is in. */
function parseResponse(data: Buffer): { status: number | null; headers: Record<string, string>; body: string; complete: boolean } {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, headers: {}, body: '', complete: false };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = data.subarray(end + 4);
  let complete: boolean;
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = [];
    complete = false;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) break;
      const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (Number.isNaN(size) || rest.length < eol + 2 + size + 2) break;
      if (size === 0) {
        complete = true;
        break;
      }
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    return { status: Number.isNaN(status) ? null : status, headers, body: Buffer.concat(parts).toString('utf8'), complete };
  }
  const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
  complete = length !== null && rest.length >= length;
  return { status: Number.isNaN(status) ? null : status, headers, body: rest.toString('utf8'), complete };
}

/**
 * Send `r` over a fresh socket and wait for the answer, the server closing the connection, or `waitMs`. A body
 * cut short (`sendBytes`) with the socket left open is the slow client: the server has to end it by itself.
 */
export function rawExchange(base: string, r: RawRequest): Promise<RawResponse> {
  const bytes = requestBytes(base, r);
  const headLength = bytes.indexOf('\r\n\r\n') + 4;
  const toSend = r.sendBytes === undefined ? bytes : bytes.subarray(0, headLength + r.sendBytes);
  return new Promise((resolve) => {
    const socket = connect(hostPort(base));
    const chunks: Buffer[] = [];
    let sentAt = Date.now();
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const parsed = parseResponse(Buffer.concat(chunks));
      socket.destroy();
      resolve({ status: parsed.status, headers: parsed.headers, body: parsed.body, closed, ms: Date.now() - sentAt });
    };
    const timer = setTimeout(() => finish(false), r.waitMs ?? 5000);
    socket.on('connect', () => {
      socket.write(toSend, () => {
        sentAt = Date.now();
        if (r.endAfter) socket.end();
      });
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // a complete answer to a request whose body was sent whole: no need to wait for the close
      if (r.sendBytes === undefined && parseResponse(Buffer.concat(chunks)).complete) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

/** The error body every refusal carries: `{"error":{"code":"LLRECON_…","message":"…","field"?}}`. */
export function expectErrorShape(body: string, what: string): { code: string; message: string; field?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`${what}: the answer is not JSON: ${body.slice(0, 200)}`);
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
  expect(typeof error?.code, `${what}: error.code in ${body.slice(0, 200)}`).toBe('string');
  expect(error?.code as string, what).toMatch(/^LLRECON_[A-Z_]+$/);
  expect(typeof error?.message, `${what}: error.message`).toBe('string');
  return error as { code: string; message: string; field?: string };
}

// ---------------------------------------------------------------------------------------------------------------
// What a request could change

/** Orders per state, jobs per queue and state, and the event stream's length. */
export interface StackState {
  orders: Record<string, number>;
  jobs: Record<string, Record<string, number>>;
  events: number;
}

/** Everything a hostile request must leave as it was. */
export async function stateOf(engine: RunningEngine): Promise<StackState> {
  const jobs: Record<string, Record<string, number>> = {};
  for (const q of engine.queues) jobs[q.name] = await q.getJobCounts();
  const events = await engine.ctx.redis.xlen(engine.ctx.ks.events);
  return { orders: await engine.store.counts(), jobs, events };
}

/** The number of jobs of every state in one queue. */
export function jobsIn(state: StackState, queue: string): number {
  return Object.values(state.jobs[queue] ?? {}).reduce((a, b) => a + b, 0);
}

/** Keys that some parsers turn into prototype changes, at the top level or nested. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Properties of `Object.prototype` now: compare before and after to see a pollution. */
export function prototypeProperties(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

// ---------------------------------------------------------------------------------------------------------------
// JSON text that must never be accepted where an order field is expected

/** Number literals as JSON text (`-0`, exponents, 2^64, 1e308 …): wrong wherever text is expected, money included. */
export const HUGE_NUMBER_LITERALS = [
  '1e308',
  '1e309',
  '-1e308',
  '-0',
  '-0.0',
  '18446744073709551616',
  '18446744073709551615',
  '9007199254740993',
  '1E+2',
  '1e2',
  '0.1e1',
  '5e-324',
  '12.345',
  '0',
  '-1',
  '525601',
  '1.5',
] as const;

/** Amounts as strings that money must refuse: digits with at most two decimals, from 0.01 to 100000000.00 only. */
export const BAD_MONEY_STRINGS = [
  '1e308',
  '1e2',
  '1E+2',
  '-0',
  '-0.00',
  '0',
  '0.00',
  '0.001',
  '12.345',
  '-1.00',
  '100000000.01',
  '18446744073709551616',
  '18446744073709551616.00',
  '9007199254740993',
  'NaN',
  'Infinity',
  ' 1.00',
  '1.00 ',
  '1,00',
  '+1.00',
  '.5',
  '5.',
  '０.０１',
  '1_000',
  '0x10',
] as const;

/** A JSON text of a wrong type: arrays, objects, numbers, booleans (never a string, never null). */
export const wrongTypeLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('true', 'false', '[]', '{}', '[null]', '["12.30"]', '{"value":"12.30"}', '0', '1'),
  fc.constantFrom(...HUGE_NUMBER_LITERALS),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }).map((a) => JSON.stringify(a)),
  fc
    .dictionary(
      fc.string({ maxLength: 5 }).filter((k) => !(POLLUTION_KEYS as readonly string[]).includes(k)),
      fc.string({ maxLength: 5 }),
      { maxKeys: 3 },
    )
    .map((o) => JSON.stringify(o)),
);

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates, truncated sequences, 0xFF. */
export const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0x80]),
  Buffer.from([0xbf, 0x80]),
  Buffer.from([0xc0, 0xaf]), // overlong '/'
  Buffer.from([0xe0, 0x80, 0xaf]), // overlong '/'
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
  Buffer.from([0xe4, 0xbd]), // '你' cut short
  Buffer.from([0xf0, 0x9f, 0x98]), // an emoji cut short
];

/** `depth` nested arrays around `inner`: `[[[…inner…]]]`. */
export function nestedArrays(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

/** `depth` nested objects under `key`: `{"key":{"key":…inner…}}`. */
export function nestedObjects(depth: number, key = 'a', inner = '1'): string {
  return `${`{${JSON.stringify(key)}:`.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

/** A JSON object text with a prototype-pollution key somewhere: at the top, in a nested object, or in an array. */
export const pollutionObjectText: fc.Arbitrary<string> = fc
  .record({
    key: fc.constantFrom(...POLLUTION_KEYS),
    payload: fc.constantFrom('{"polluted":"yes"}', '{"prototype":{"polluted":"yes"}}', '{"toString":"x"}', '1', '"x"', 'null'),
    place: fc.constantFrom('top', 'nested', 'array', 'batch'),
  })
  .map(({ key, payload, place }) => {
    const member = `${JSON.stringify(key)}:${payload}`;
    switch (place) {
      case 'top':
        return `{${member},"no_order":"P1"}`;
      case 'nested':
        return `{"no_order":"P1","platform":{${member}}}`;
      case 'array':
        return `{"no_order":"P1","platform":[{${member}}]}`;
      default:
        return `{"orders":[{${member}}]}`;
    }
  });

// ---------------------------------------------------------------------------------------------------------------
// Orders with one hostile member

/** The fields of an order (interface.md `POST /orders`). */
export const ORDER_FIELDS = ['no_order', 'dt_order', 'oid_paybill', 'pay_type', 'money_order', 'valid_order', 'platform'] as const;

/** One member of an order object that makes the order invalid, as JSON text (bytes when it holds broken UTF-8). */
export interface HostileMember {
  /** The key written. */
  key: string;
  /** `"key":value` as bytes. */
  member: Buffer;
  /** The field an error must name (relative to the order), or null when the body is refused as a whole. */
  field: string | null;
  /** Why it is invalid, for failure messages. */
  why: string;
}

function member(key: string, valueText: string | Buffer, field: string | null, why: string): HostileMember {
  const value = Buffer.isBuffer(valueText) ? valueText : Buffer.from(valueText, 'utf8');
  return { key, member: Buffer.concat([Buffer.from(`${JSON.stringify(key)}:`, 'utf8'), value]), field, why };
}

const jsonString = (s: string) => JSON.stringify(s);

/** A string of printable ASCII that no_order refuses: empty, too long, or with a space or another character. */
const badNoOrder = fc.oneof(
  fc.string({ minLength: 33, maxLength: 60, unit: fc.constantFrom('A', 'b', '9', '-') }),
  fc.string({ maxLength: 10 }).map((s) => `A ${s}`),
  fc.constantFrom('', ' ', 'A\tB', 'ORDER\u0000', '订单1', 'Ä1', 'A\u200bB', 'A\nB', 'x'.repeat(33)),
);

/** Texts that are not a real `yyyyMMddHHmmss` time. */
const badDtOrder = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !/^\d{14}$/.test(s)),
  fc.constantFrom(
    '20230230120000',
    '20261301000000',
    '20261124246000',
    '20261124235960',
    '99999999999999',
    '00000000000000',
    '2026-11-24 10:30:00',
  ),
);

/** A member of an order with a value that breaks its field's rule, or a key that is no field. */
export const hostileOrderMember: fc.Arbitrary<HostileMember> = fc.oneof(
  // wrong JSON types for every string field; null where the field is required
  fc
    .tuple(fc.constantFrom('no_order', 'dt_order', 'oid_paybill', 'pay_type', 'money_order', 'platform'), wrongTypeLiteral)
    .map(([k, v]) => member(k, v, k, `${k} of a wrong type: ${v}`)),
  fc.constantFrom('no_order', 'dt_order').map((k) => member(k, 'null', k, `required ${k} null`)),
  // huge, negative, fractional, exponent-form and non-integer minutes
  fc
    .constantFrom(
      'true',
      'false',
      '[]',
      '{}',
      '"abc"',
      '"1e3"',
      '"-0"',
      '" 1"',
      '"1.5"',
      '0',
      '-0',
      '-1',
      '525601',
      '1.5',
      '1e308',
      '-1e308',
      '18446744073709551616',
      '1e400',
      '"18446744073709551616"',
      '"99999999"',
    )
    .map((v) => member('valid_order', v, 'valid_order', `valid_order ${v}`)),
  // money: numbers (never accepted: money is text), exponent forms, out of range, malformed
  fc.constantFrom(...HUGE_NUMBER_LITERALS).map((v) => member('money_order', v, 'money_order', `money_order as a number ${v}`)),
  fc.constantFrom(...BAD_MONEY_STRINGS).map((v) => member('money_order', jsonString(v), 'money_order', `money_order ${jsonString(v)}`)),
  badNoOrder.map((v) => member('no_order', jsonString(v), 'no_order', `no_order ${jsonString(v)}`)),
  badDtOrder.map((v) => member('dt_order', jsonString(v), 'dt_order', `dt_order ${jsonString(v)}`)),
  fc
    .oneof(
      fc.string({ minLength: 19, maxLength: 30, unit: fc.constantFrom('1', '2', '9') }),
      fc.constantFrom('12a', '-1', '1.0', ' 1', '１２'),
    )
    .map((v) => member('oid_paybill', jsonString(v), 'oid_paybill', `oid_paybill ${jsonString(v)}`)),
  fc.constantFrom('f', 'M', 'FG', ' F', 'F ', 'Ｆ').map((v) => member('pay_type', jsonString(v), 'pay_type', `pay_type ${jsonString(v)}`)),
  fc
    .string({ minLength: 33, maxLength: 60, unit: fc.constantFrom('p', 'q', '_') })
    .map((v) => member('platform', jsonString(v), 'platform', 'platform too long')),
  // keys that are no field (those that parsers treat specially included)
  fc
    .constantFrom(
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
      '__lookupSetter__',
      'No_order',
      'no_order ',
      'sign',
      'card_no',
      '',
    )
    .map((k) => member(k, '"x"', k, `unknown key ${jsonString(k)}`)),
  // broken UTF-8 inside a string value of any string field: not JSON text (RFC 8259 §8.1)
  fc
    .tuple(fc.constantFrom('no_order', 'dt_order', 'oid_paybill', 'money_order', 'platform'), fc.constantFrom(...INVALID_UTF8))
    .map(([k, bytes]) =>
      member(
        k,
        Buffer.concat([Buffer.from('"p', 'utf8'), bytes, Buffer.from('"', 'utf8')]),
        null,
        `${k} with broken UTF-8 ${bytes.toString('hex')}`,
      ),
    ),
);

/** A valid order's members (a fresh `no_order` each time), as JSON text without braces. */
export function validOrderMembers(noOrder: string, dtOrder: string): Record<string, string> {
  return {
    no_order: jsonString(noOrder),
    dt_order: jsonString(dtOrder),
    money_order: '"12.30"',
    pay_type: '"F"',
    valid_order: '60',
    platform: '"fuzz"',
  };
}

/**
 * An order object as bytes: the valid members, with `hostile` (when given) replacing the member of the same key
 * or added when its key is no field.
 */
export function orderWith(valid: Record<string, string>, hostile?: HostileMember): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(valid)) if (k !== hostile?.key) parts.push(Buffer.from(`${JSON.stringify(k)}:${v}`, 'utf8'));
  if (hostile) parts.push(hostile.member);
  const inner: Buffer[] = [];
  parts.forEach((p, i) => inner.push(...(i === 0 ? [p] : [Buffer.from(','), p])));
  return Buffer.concat([Buffer.from('{'), ...inner, Buffer.from('}')]);
}

/** Order objects (as bytes) as one batch: `{"orders":[…]}`. */
export function batchOf(items: Buffer[]): Buffer {
  const inner: Buffer[] = [];
  items.forEach((p, i) => inner.push(...(i === 0 ? [p] : [Buffer.from(','), p])));
  return Buffer.concat([Buffer.from('{"orders":['), ...inner, Buffer.from(']}')]);
}

/** A body text that fast-check reports by its first 100 characters and length, not in full (deep bodies are huge). */
export interface Body {
  text: string;
}

/** Wrap generated texts so that a failure report stays readable. */
export function bodies(arb: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  return arb.map((text) => ({
    text,
    [fc.toStringMethod]: () => `${JSON.stringify(text.slice(0, 100))}${text.length > 100 ? `…(${text.length} characters)` : ''}`,
  }));
}
