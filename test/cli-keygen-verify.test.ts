import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { KEY_FILES, defaultKeyDir, keygenReport, writeKeyFiles } from '../src/cli/commands/keygen.js';
import { findPublicKeyText, verifyNotifyCommand } from '../src/cli/commands/verify-notify.js';
import { exportPublicBase64, importPrivateKey, importPublicKey, publicKeyOf } from '../src/lianlian/keys.js';
import { signString, verifyString } from '../src/lianlian/signature.js';
import { runCli } from './support/cli.js';
import { lianlianKeys1024 } from './support/keys.js';
import { lianlianPublicKeyVector, verifyDirectVector } from './support/vectors.js';

const vector = verifyDirectVector;
const lianlianPublic = lianlianPublicKeyVector.public_key_base64;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llrecon-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('verifyNotifyCommand', () => {
  const genuine = JSON.stringify(vector.body);

  it('a genuine LianLian-signed body → 0, printing the signed string', () => {
    expect(verifyNotifyCommand({ body: genuine, publicKeyText: lianlianPublic })).toEqual({
      exitCode: 0,
      lines: [`signed string: ${vector.sign_source}`, 'valid'],
    });
  });

  it('the same body with one character changed → 1', () => {
    const outcome = verifyNotifyCommand({ body: genuine.replace('"0.01"', '"0.02"'), publicKeyText: lianlianPublic });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines).toEqual([`signed string: ${vector.sign_source.replace('=0.01', '=0.02')}`, 'invalid: signature does not match']);
  });

  it('a number instead of a string → 1, naming it', () => {
    const outcome = verifyNotifyCommand({ body: genuine.replace('"0.01"', '0.01'), publicKeyText: lianlianPublic });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines[1]).toMatch(/^invalid: not strings: money_order/);
  });

  it.each([
    ['not JSON', 'oid_partner=1&sign=x', /^unusable: body is not valid JSON/],
    ['empty input', '', /^unusable: body is not valid JSON/],
    ['not an object', '["x"]', /^unusable: body is JSON but not an object/],
  ])('%s → 2', (_name, body, line) => {
    const outcome = verifyNotifyCommand({ body, publicKeyText: lianlianPublic });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.lines).toHaveLength(1);
    expect(outcome.lines[0]).toMatch(line);
  });

  it('no sign → 2, still showing the string', () => {
    const { sign: _sign, ...unsigned } = vector.body;
    expect(verifyNotifyCommand({ body: JSON.stringify(unsigned), publicKeyText: lianlianPublic })).toEqual({
      exitCode: 2,
      lines: [`signed string: ${vector.sign_source}`, 'unusable: the body has no sign field'],
    });
  });

  it('no key → 2', () => {
    const outcome = verifyNotifyCommand({ body: genuine, publicKeyText: null });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.lines[0]).toMatch(/LIANLIAN_PUBLIC_KEY/);
  });

  it('a key in the wrong format → 2, named', () => {
    const outcome = verifyNotifyCommand({
      body: genuine,
      publicKeyText: lianlianKeys1024().privatePem,
      keyLabel: 'LIANLIAN_PUBLIC_KEY_FILE (x.pem)',
    });
    expect(outcome).toEqual({
      exitCode: 2,
      lines: [expect.stringMatching(/^unusable: LIANLIAN_PUBLIC_KEY_FILE \(x\.pem\) holds a private key/)],
    });
  });

  it('accepts a body saved with a BOM and pretty-printed', () => {
    expect(verifyNotifyCommand({ body: `\uFEFF${JSON.stringify(vector.body, null, 2)}\n`, publicKeyText: lianlianPublic }).exitCode).toBe(
      0,
    );
  });
});

describe('findPublicKeyText', () => {
  it('takes the environment before .env, the key before its _FILE, and the sandbox key last', () => {
    const cwd = tempDir();
    expect(findPublicKeyText({}, cwd)).toEqual({ text: null, problem: null });
    mkdirSync(join(cwd, '.data/sandbox'), { recursive: true });
    writeFileSync(join(cwd, '.data/sandbox/lianlian_public.pem'), 'SANDBOX');
    expect(findPublicKeyText({}, cwd)).toMatchObject({ text: 'SANDBOX' });
    writeFileSync(join(cwd, '.env'), 'LIANLIAN_PUBLIC_KEY=FROMDOTENV\n');
    expect(findPublicKeyText({}, cwd)).toMatchObject({ text: 'FROMDOTENV', label: 'LIANLIAN_PUBLIC_KEY' });
    writeFileSync(join(cwd, 'll.pem'), 'FROMFILE');
    expect(findPublicKeyText({ LIANLIAN_PUBLIC_KEY_FILE: 'll.pem', LIANLIAN_PUBLIC_KEY: '' }, join(cwd, '.data'))).toMatchObject({
      text: null,
    });
    expect(findPublicKeyText({ LIANLIAN_PUBLIC_KEY_FILE: join(cwd, 'll.pem') }, join(cwd, '.data'))).toMatchObject({ text: 'FROMFILE' });
    expect(findPublicKeyText({ LIANLIAN_PUBLIC_KEY: 'INLINE', LIANLIAN_PUBLIC_KEY_FILE: 'll.pem' }, cwd)).toMatchObject({ text: 'INLINE' });
  });

  it('reports an unreadable key file', () => {
    const found = findPublicKeyText({ LIANLIAN_PUBLIC_KEY_FILE: 'missing.pem' }, tempDir());
    expect(found).toMatchObject({
      text: null,
      problem: expect.stringMatching(/^LIANLIAN_PUBLIC_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/),
    });
  });
});

describe('keygen', () => {
  it('writes four files that parse back, the private ones mode 0600', () => {
    const dir = join(tempDir(), 'keys');
    const result = writeKeyFiles({ dir, bits: 1024 });
    const privateKey = importPrivateKey(readFileSync(result.files.privatePem));
    const privateFromBase64 = importPrivateKey(readFileSync(result.files.privateBase64, 'utf8'));
    const publicKey = importPublicKey(readFileSync(result.files.publicPem));
    const publicFromBase64 = importPublicKey(readFileSync(result.files.publicBase64, 'utf8'));
    expect(privateKey.bits).toBe(1024);
    expect(readFileSync(result.files.privatePem, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(exportPublicBase64(publicKeyOf(privateKey))).toBe(result.publicBase64);
    expect(exportPublicBase64(publicKey)).toBe(result.publicBase64);
    const sign = signString('a=1', privateFromBase64);
    expect(verifyString('a=1', sign, publicFromBase64)).toBe(true);
    expect(statSync(result.files.privatePem).mode & 0o777).toBe(0o600);
    expect(statSync(result.files.privateBase64).mode & 0o777).toBe(0o600);
    expect(result.files.privatePem).toBe(join(dir, KEY_FILES.privatePem));
  });

  it('prints the public half and the settings, never the private key', () => {
    const result = writeKeyFiles({ dir: tempDir(), bits: 1024 });
    const text = keygenReport(result).join('\n');
    expect(text).toContain(`\n${result.publicBase64}\n`);
    expect(text).toContain(`LIANLIAN_PRIVATE_KEY_FILE=${result.files.privatePem}`);
    const privateBase64 = readFileSync(result.files.privateBase64, 'utf8').trim();
    expect(text).not.toContain(privateBase64.slice(40, 100));
    expect(text).not.toContain('PRIVATE KEY-----');
  });

  it('refuses to overwrite without --force, and replaces with it', () => {
    const dir = tempDir();
    const first = writeKeyFiles({ dir, bits: 1024 });
    let caught: unknown;
    try {
      writeKeyFiles({ dir, bits: 1024 });
    } catch (error) {
      caught = error;
    }
    expect(isLlreconError(caught, 'LLRECON_INVALID_FIELD')).toBe(true);
    expect((caught as Error).message).toMatch(/--force/);
    expect(readFileSync(first.files.publicBase64, 'utf8').trim()).toBe(first.publicBase64);
    const second = writeKeyFiles({ dir, bits: 1024, force: true });
    expect(second.publicBase64).not.toBe(first.publicBase64);
    expect(readFileSync(second.files.publicBase64, 'utf8').trim()).toBe(second.publicBase64);
    expect(statSync(second.files.privatePem).mode & 0o777).toBe(0o600);
  });

  it('refuses a silly size', () => {
    expect(() => writeKeyFiles({ dir: tempDir(), bits: 100 })).toThrow(/bits/);
  });

  it('writes under the data directory by default (./.data/keys), which .gitignore covers, never into ./keys', async () => {
    expect(defaultKeyDir({}, '/srv/app')).toBe('/srv/app/.data/keys');
    expect(defaultKeyDir({ DATA_DIR: '/var/lib/llrecon' }, '/srv/app')).toBe('/var/lib/llrecon/keys');
    const ignored = readFileSync(join(process.cwd(), '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('.data/');

    const dataDir = tempDir();
    const r = await runCli(['keygen', '--bits', '1024'], { DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    const privatePem = join(dataDir, 'keys', KEY_FILES.privatePem);
    expect(r.stdout).toContain(`LIANLIAN_PRIVATE_KEY_FILE=${privatePem}`);
    expect(statSync(privatePem).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
  });
});
