// Who may send callbacks, and what of a stranger's text reaches a log: NOTIFY_ALLOWED_SOURCES over real HTTP (IPv4
// and IPv6 CIDRs, the forwarded client behind TRUST_PROXY, an untrusted peer's X-Forwarded-For ignored); the CIDR
// matching and per-source keys; and untrustedText(), the one scrubber of strangers' values, on captured log lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrProblem, sourceKey, sourceList } from '../src/http/source-address.js';
import { importPrivateKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { createLogger } from '../src/log.js';
import { CallbackDoor } from '../src/notify/door.js';
import { handleCallback } from '../src/notify/handle-callback.js';
import { untrustedText } from '../src/untrusted-text.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { TEST_CARD_NO } from './support/log-capture.js';
import { startStack, type Stack } from './support/stack.js';

const PEM_HEADER = '-----BEGIN RSA PRIVATE KEY-----';

describe('source addresses', () => {
  it('matches IPv4 and IPv6 CIDRs, IPv4-mapped IPv6 included, and nothing that is not an address', () => {
    const list = sourceList(['203.0.113.0/24', '2001:db8::/32', '198.51.100.7']);
    expect(list.allows('203.0.113.9')).toBe(true);
    expect(list.allows('::ffff:203.0.113.9')).toBe(true);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('198.51.100.7')).toBe(true);
    expect(list.allows('198.51.100.8')).toBe(false);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(list.allows('not an address')).toBe(false);
    expect(sourceList(null).allows('192.0.2.1')).toBe(true);
  });

  it('refuses entries that are not addresses or CIDRs', () => {
    expect(cidrProblem('10.0.0.0/8')).toBeNull();
    expect(cidrProblem('2001:db8::/129')).toContain('prefix length');
    expect(cidrProblem('lianlian.com')).toContain('not an IP address');
    expect(cidrProblem('10.0.0.0/8/1')).toContain('not an IP address');
  });

  it('counts an IPv6 sender per /64 and an IPv4-mapped one as its IPv4 address', () => {
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe(sourceKey('2001:db8:1:2:bbbb::9'));
    expect(sourceKey('2001:db8:1:2::1')).not.toBe(sourceKey('2001:db8:1:3::1'));
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('NOTIFY_ALLOWED_SOURCES behind TRUST_PROXY', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      http: true,
      env: { ROLES: 'api', NOTIFY_ALLOWED_SOURCES: '203.0.113.0/24, 2001:db8::/32', TRUST_PROXY: '127.0.0.1' },
    });
  });
  afterAll(async () => stack?.close());

  const genuine = () =>
    JSON.stringify(
      signFields(
        { oid_partner: stack.oidPartner, no_order: `AL${Math.random()}`, money_order: '1.00' },
        importPrivateKey(stack.lianlianKeyPem),
      ),
    );

  function post(path: string, forwardedFor: string | null, from = '127.0.0.1'): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (forwardedFor !== null) headers['x-forwarded-for'] = forwardedFor;
    return fetchFrom(from)(`${stack.url}${path}`, { method: 'POST', headers, body: genuine() });
  }

  it('admits a genuine callback only from the listed sources (the forwarded client, IPv4 or IPv6), on both routes', async () => {
    for (const path of ['/notify/lianlian', '/notify/lianlian/return']) {
      expect((await post(path, '203.0.113.7')).status, path).toBe(200);
      expect((await post(path, '2001:db8::5')).status, path).toBe(200);
      const refused = await post(path, '198.51.100.1');
      expect(refused.status, path).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LLRECON_CALLBACK_SOURCE_REFUSED');
      // the proxy itself is not a listed source
      expect((await post(path, null)).status, path).toBe(403);
    }
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect((await post('/notify/lianlian', '203.0.113.7', freshLoopback())).status).toBe(403);
  });
});

describe('scrubbed logs', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ROLES: 'api,notify', POLL_SCHEDULE: '10m' } });
  });
  afterAll(async () => stack?.close());

  it('untrustedText masks card numbers, PEM armour, base64 blobs and controls, and caps the length', () => {
    expect(untrustedText(`NO-${TEST_CARD_NO}`)).toBe('NO-[redacted number]');
    expect(untrustedText('4111111111111111X')).toBe('[redacted number]X');
    expect(untrustedText(`${PEM_HEADER}MIIB`)).not.toContain('BEGIN');
    expect(untrustedText('a\u001b[31mb\r\nc\u202ed')).toBe('a?[31mb??c?d');
    expect(untrustedText('A'.repeat(60))).toBe('[redacted base64]');
    expect(untrustedText('ORD2026112410300012')).toBe('ORD2026112410300012');
    expect(untrustedText('y '.repeat(500))).toBe(`${'y '.repeat(32)}…`);
    expect(untrustedText(null)).toBeNull();
  });

  it('no value of a callback that did not verify reaches a log line unscrubbed (door and workers)', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    const ctx = { ...stack.engine.ctx, log };
    const hostile = {
      oid_partner: `${PEM_HEADER}\u001b]0;owned\u0007`,
      no_order: TEST_CARD_NO,
      money_order: `${TEST_CARD_NO} ${'B'.repeat(120)}`,
      sign: 'eA==',
    };
    const raw = JSON.stringify(hostile);
    // the workers' check (a forged body queued by an embedding program) …
    expect(await handleCallback(ctx, { kind: 'async', raw, at: Date.now() })).toMatchObject({ verdict: 'rejected' });
    expect(
      await handleCallback(ctx, { kind: 'return', raw: JSON.stringify({ ...hostile, no_order: `${PEM_HEADER}x` }), at: Date.now() }),
    ).toMatchObject({
      verdict: 'rejected',
    });
    // … and the door: sampled (debug) and throttled (warn) lines
    const door = new CallbackDoor(ctx, { burst: 2 });
    const source = '::ffff:192.0.2.44';
    for (let i = 0; i < 4; i += 1) door.refuse(source, 'async', 'mismatch', door.screen(raw));
    await new Promise((r) => setTimeout(r, 100));
    const text = lines.join('');
    expect(text).toContain('callback rejected: changes nothing');
    expect(text).toContain('callback refused at the door');
    expect(text).toContain('callback source throttled');
    expect(text).not.toContain(TEST_CARD_NO);
    expect(text).not.toContain('BEGIN RSA');
    expect(text).not.toContain('\\u001b');
    expect(text).not.toContain('\\u0007');
    expect(text).not.toContain('B'.repeat(100));
    for (const line of lines) expect(line.length).toBeLessThan(2000);
  });
});
