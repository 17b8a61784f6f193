// The logger keeps keys, tokens, signatures and card data out of every line — as fields at any depth, inside
// strings, in messages and in errors — while identifiers like no_order stay readable.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACT_PATHS, scrubText, type Logger } from '../src/log.js';

function memoryLogger(opts: { pretty?: boolean; level?: 'info' | 'debug' } = {}): {
  log: Logger;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const log = createLogger({ level: opts.level ?? 'info', pretty: opts.pretty ?? false, destination });
  return {
    log,
    text: () => out,
    lines: () =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const privatePem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pemBody = privatePem.split('\n')[3]!; // a line from the middle of the key
const bareKey = privatePem.split('\n').slice(1, -2).join('');
const token = randomBytes(24).toString('base64url');
const sign = randomBytes(128).toString('base64'); // a 1024-bit signature: 172 characters
const cardNo = '6222021234567890123';
const idNo = '11010519491231002X';
const acctName = '张三丰';
const verifyCode = '482913';
const secrets = [pemBody, bareKey.slice(40, 120), token, sign.slice(20, 80), cardNo, idNo, acctName, verifyCode];

function expectClean(text: string): void {
  for (const s of secrets) expect(text, `leaked ${s}`).not.toContain(s);
}

describe('createLogger', () => {
  it('redacts secret fields at the top level, nested, and in arrays, keeping identifiers', () => {
    const m = memoryLogger();
    const notification = {
      no_order: 'ORD-2026-0001',
      oid_partner: '201408071000001543',
      dt_order: '20261124103000',
      sign,
      card_no: cardNo,
      id_no: idNo,
      acct_name: acctName,
    };
    m.log.info({ sign, token, adminToken: token, privateKeyText: privatePem, notification }, 'callback received');
    m.log.info({ job: { data: { body: notification } }, deeper: { a: { b: { c: notification } } } }, 'deep');
    m.log.info({ batch: { orders: [{ no_order: 'ORD-2026-0002', card_no: cardNo }] } }, 'batch');
    m.log.info({ req: { headers: { authorization: `Bearer ${token}`, cookie: `llrecon_session=${token}` } } }, 'request');
    m.log.info({ apply: { token, verify_code: verifyCode } }, 'verify');
    const text = m.text();
    expectClean(text);
    const [first, deep, batch] = m.lines();
    expect(first).toMatchObject({ sign: '[redacted]', token: '[redacted]', adminToken: '[redacted]', privateKeyText: '[redacted]' });
    expect(first!.notification).toEqual({
      no_order: 'ORD-2026-0001',
      oid_partner: '201408071000001543',
      dt_order: '20261124103000',
      sign: '[redacted]',
      card_no: '[redacted]',
      id_no: '[redacted]',
      acct_name: '[redacted]',
    });
    expect(deep).toMatchObject({ job: { data: { body: { no_order: 'ORD-2026-0001', card_no: '[redacted]', sign: '[redacted]' } } } });
    expect(deep).toMatchObject({ deeper: { a: { b: { c: '[truncated]' } } } });
    expect(batch).toMatchObject({ batch: { orders: [{ no_order: 'ORD-2026-0002', card_no: '[redacted]' }] } });
    expect(text).toContain('ORD-2026-0001');
    expect(text).toContain('ORD-2026-0002');
  });

  it('scrubs secrets inside string fields, messages and interpolated arguments', () => {
    const m = memoryLogger();
    const raw = JSON.stringify({ no_order: 'ORD-2026-0003', card_no: cardNo, sign });
    m.log.info({ raw, key: privatePem, keyBase64: bareKey }, 'raw body');
    m.log.warn(`could not import ${privatePem}`);
    m.log.info('card %s, id %s, order %s', cardNo, idNo, 'ORD-2026-0004');
    m.log.info('payload %j', { sign, no_order: 'ORD-2026-0005' });
    expectClean(m.text());
    const [fields, pem, card, payload] = m.lines();
    expect(fields!.raw).toBe(`{"no_order":"ORD-2026-0003","card_no":"[redacted number]","sign":"[redacted base64]"}`);
    expect(fields!.key).toBe('[redacted PEM]\n');
    expect(pem!.msg).toBe('could not import [redacted PEM]\n');
    expect(card!.msg).toBe('card [redacted number], id [redacted number], order ORD-2026-0004');
    expect(String(payload!.msg)).toContain('ORD-2026-0005');
  });

  it('keeps secrets out of errors: messages, stacks, causes, and fields that may hold them', () => {
    const m = memoryLogger();
    const err = Object.assign(new Error(`LianLian refused card_no=${cardNo}&sign=${sign}`, { cause: new Error(`bad key ${privatePem}`) }), {
      code: 'LLRECON_SIGN_INVALID',
      signString: `acct_name=${acctName}&card_no=${cardNo}&id_no=${idNo}`,
      options: { headers: { Authorization: `Bearer ${token}` }, json: { verify_code: verifyCode } },
      response: { statusCode: 502, body: `token=${token}` },
    });
    m.log.error(err);
    m.log.error({ err, no_order: 'ORD-2026-0006' }, 'query failed');
    m.log.warn({ failure: err }, 'under another key');
    expectClean(m.text());
    const [plain, withFields, other] = m.lines();
    for (const line of [plain, withFields]) {
      const e = line!.err as Record<string, unknown>;
      expect(Object.keys(e).sort()).toEqual(['cause', 'code', 'message', 'stack', 'statusCode', 'type']);
      expect(e).toMatchObject({
        type: 'Error',
        code: 'LLRECON_SIGN_INVALID',
        statusCode: 502,
        message: 'LianLian refused card_no=[redacted number]&sign=[redacted base64]',
      });
      expect((e.cause as Record<string, unknown>).message).toBe('bad key [redacted PEM]\n');
    }
    expect(plain!.msg).toBe('LianLian refused card_no=[redacted number]&sign=[redacted base64]');
    expect(withFields!.no_order).toBe('ORD-2026-0006');
    expect((other!.failure as Record<string, unknown>).code).toBe('LLRECON_SIGN_INVALID');
  });

  it('redacts child-logger bindings, and never changes the logged object', () => {
    const m = memoryLogger();
    const fields = { no_order: 'ORD-2026-0007', card_no: cardNo, nested: { sign } };
    m.log.child({ adminToken: token, merchant: { privateKey: privatePem } }).info(fields, 'child');
    expectClean(m.text());
    expect(fields).toEqual({ no_order: 'ORD-2026-0007', card_no: cardNo, nested: { sign } });
    expect(m.lines()[0]).toMatchObject({ adminToken: '[redacted]', merchant: { privateKey: '[redacted]' }, no_order: 'ORD-2026-0007' });
  });

  it('logs an object seen twice twice, and a cycle once', () => {
    const m = memoryLogger();
    const shared = { no_order: 'ORD-2026-0009' };
    const cycle: Record<string, unknown> = { no_order: 'ORD-2026-0010' };
    cycle.self = cycle;
    m.log.info({ a: shared, b: shared, cycle }, 'shapes');
    expect(m.lines()[0]).toMatchObject({ a: shared, b: shared, cycle: { no_order: 'ORD-2026-0010', self: '[circular]' } });
  });

  it('writes readable lines in pretty mode, just as redacted', () => {
    const m = memoryLogger({ pretty: true });
    m.log.info({ no_order: 'ORD-2026-0008', card_no: cardNo, token }, `signed with ${privatePem}`);
    const text = m.text();
    expectClean(text);
    expect(text).toContain('ORD-2026-0008');
    expect(text).toContain('signed with [redacted PEM]');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('honours the level', () => {
    const m = memoryLogger();
    m.log.debug('hidden');
    m.log.info('shown');
    expect(m.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('REDACT_PATHS', () => {
  it('cover the secret and card fields at the top level and nested', () => {
    for (const p of [
      'sign',
      '*.sign',
      '*.*.*.sign',
      'card_no',
      '*.*.id_no',
      'acct_name',
      'token',
      'verify_code',
      'privateKey',
      'adminToken',
      'secret',
      '*.*.authorization',
      '*.cookie',
      '*["set-cookie"]',
    ])
      expect(REDACT_PATHS).toContain(p);
  });
});

describe('scrubText', () => {
  it('masks PEM blocks, even cut short', () => {
    expect(scrubText(`a ${privatePem} b`)).toBe('a [redacted PEM]\n b');
    expect(scrubText(`head -----BEGIN RSA PRIVATE KEY-----\nMIIC${pemBody}`)).toBe('head [redacted PEM]');
  });

  it('masks base64 runs of 100 characters or more, not shorter ones', () => {
    expect(scrubText(`sign=${sign}&x=1`)).toBe('sign=[redacted base64]&x=1');
    const short = 'A'.repeat(99);
    expect(scrubText(short)).toBe(short);
  });

  it('masks passwords in URLs and Bearer/Basic credentials', () => {
    expect(scrubText('connect redis://default:pa55word@10.0.0.5:6379/0 failed')).toBe('connect redis://default:***@10.0.0.5:6379/0 failed');
    expect(scrubText(`Authorization: Bearer ${token}; Basic dXNlcjpwYXNz`)).toBe('Authorization: Bearer [redacted]; Basic [redacted]');
    expect(scrubText('see https://example.test/a?b=c')).toBe('see https://example.test/a?b=c');
  });

  it('masks 13–19-digit numbers and ID numbers, keeps shorter numbers, LianLian times and glued identifiers', () => {
    expect(scrubText('card 4111111111111111 and 6222 0212 3456 7890 123')).toBe('card [redacted number] and [redacted number]');
    expect(scrubText(`id ${idNo}, ${'1'.repeat(13)}, ${'1'.repeat(20)}`)).toBe(
      `id [redacted number], [redacted number], ${'1'.repeat(20)}`,
    );
    expect(scrubText('order ORD20261124103000123 at 20261124103000, 123456789012 items')).toBe(
      'order ORD20261124103000123 at 20261124103000, 123456789012 items',
    );
  });
});
