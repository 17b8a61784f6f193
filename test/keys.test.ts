import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import {
  exportPublicBase64,
  exportPublicPem,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  publicKeyOf,
} from '../src/lianlian/keys.js';
import { signString, verifyString } from '../src/lianlian/signature.js';
import { keys2048, lianlianKeys1024, merchantKeys1024, type TestKeyPair } from './support/keys.js';
import { lianlianPublicKeyVector } from './support/vectors.js';

const lianlianPublic = lianlianPublicKeyVector;

function pkcs1PrivatePem(pair: TestKeyPair): string {
  return createPrivateKey(pair.privatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
}
function pkcs1PublicPem(pair: TestKeyPair): string {
  return createPublicKey(pair.publicPem).export({ type: 'pkcs1', format: 'pem' }).toString();
}
function pkcs1PrivateBase64(pair: TestKeyPair): string {
  return createPrivateKey(pair.privatePem).export({ type: 'pkcs1', format: 'der' }).toString('base64');
}
function pkcs1PublicBase64(pair: TestKeyPair): string {
  return createPublicKey(pair.publicPem).export({ type: 'pkcs1', format: 'der' }).toString('base64');
}

function keyError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isLlreconError(error, 'LLRECON_KEY_FORMAT')) return error.message;
    throw error;
  }
  throw new Error('expected LLRECON_KEY_FORMAT');
}

describe('generateKeyPair', () => {
  it('writes PKCS#8 / SPKI PEM and one-line bare base64 DER of the same pair', () => {
    const pair = merchantKeys1024();
    expect(pair.privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pair.privateBase64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(pair.publicBase64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(exportPublicBase64(publicKeyOf(importPrivateKey(pair.privateBase64)))).toBe(pair.publicBase64);
    expect(exportPublicPem(importPublicKey(pair.publicBase64))).toBe(pair.publicPem);
  });

  it('makes keys of the size asked for and refuses silly sizes', () => {
    expect(merchantKeys1024().privateKey.bits).toBe(1024);
    expect(keys2048().publicKey.bits).toBe(2048);
    expect(() => generateKeyPair(512)).toThrow(/bits/);
    expect(() => generateKeyPair(1024.5)).toThrow(/bits/);
  });
});

describe.each([
  ['1024', merchantKeys1024],
  ['2048', keys2048],
])('every accepted form round-trips at %s bits', (bits, pairOf) => {
  const privateForms: Array<[string, (p: TestKeyPair) => string | Buffer]> = [
    ['PKCS#1 PEM', pkcs1PrivatePem],
    ['PKCS#8 PEM', (p) => p.privatePem],
    ['bare base64 PKCS#8', (p) => p.privateBase64],
    ['bare base64 PKCS#1', pkcs1PrivateBase64],
    ['bare base64 PKCS#8 wrapped at 64 with CRLF', (p) => p.privateBase64.replace(/(.{64})/g, '$1\r\n')],
    ['PKCS#8 PEM on one line with literal \\n (env style)', (p) => p.privatePem.trim().replace(/\n/g, '\\n')],
    ['PKCS#8 PEM as a Buffer', (p) => Buffer.from(p.privatePem)],
    ['binary PKCS#8 DER', (p) => Buffer.from(p.privateBase64, 'base64')],
  ];
  const publicForms: Array<[string, (p: TestKeyPair) => string | Buffer]> = [
    ['SPKI PEM', (p) => p.publicPem],
    ['PKCS#1 public PEM', pkcs1PublicPem],
    ['bare base64 SPKI', (p) => p.publicBase64],
    ['bare base64 PKCS#1 public', pkcs1PublicBase64],
    ['SPKI PEM with surrounding blanks', (p) => `\n\n  ${p.publicPem}  \n`],
  ];

  it.each(privateForms)('private key as %s signs what the public key verifies', (_name, form) => {
    const pair = pairOf();
    const key = importPrivateKey(form(pair));
    expect(key.kind).toBe('private');
    expect(key.bits).toBe(Number(bits));
    const sign = signString('oid_partner=201408071000001543&sign_type=RSA', key);
    expect(verifyString('oid_partner=201408071000001543&sign_type=RSA', sign, pair.publicKey)).toBe(true);
  });

  it.each(publicForms)('public key as %s verifies what the private key signed', (_name, form) => {
    const pair = pairOf();
    const key = importPublicKey(form(pair));
    expect(key).toEqual({ kind: 'public', bits: Number(bits) });
    const sign = signString('a=1', pair.privateKey);
    expect(verifyString('a=1', sign, key)).toBe(true);
    expect(verifyString('a=2', sign, key)).toBe(false);
  });
});

describe('LianLian public key', () => {
  it('imports from bare base64 SPKI as a 1024-bit key and exports back identically', () => {
    const key = importPublicKey(lianlianPublic.public_key_base64, 'LIANLIAN_PUBLIC_KEY');
    expect(key.bits).toBe(lianlianPublic.modulus_bits);
    expect(exportPublicBase64(key)).toBe(lianlianPublic.public_key_base64);
  });
});

describe('keys in the wrong format are named as such', () => {
  it.each<[string, () => string | Buffer, RegExp]>([
    [
      'a public key given as private (PEM SPKI)',
      () => merchantKeys1024().publicPem,
      /^LIANLIAN_PRIVATE_KEY holds a public key \(PEM SPKI\); expected an RSA private key: PEM \(PKCS#1 or PKCS#8\) or bare base64 PKCS#8$/,
    ],
    [
      'a public key given as private (base64)',
      () => merchantKeys1024().publicBase64,
      /holds a public key \(base64 DER SPKI\); expected an RSA private key/,
    ],
    ['text that is neither', () => 'not a key at all!', /^LIANLIAN_PRIVATE_KEY is not PEM and not base64 DER; expected/],
    ['an empty value', () => '  \n', /^LIANLIAN_PRIVATE_KEY is empty; expected/],
    [
      'base64 that is not DER',
      () => Buffer.from('hello world, this is text').toString('base64'),
      /holds base64 DER that is not a key in DER/,
    ],
    [
      'a certificate',
      () => '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      /holds PEM "CERTIFICATE"; expected an RSA private key/,
    ],
    [
      'an encrypted PKCS#8 key',
      () =>
        createPrivateKey(merchantKeys1024().privatePem)
          .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'x' })
          .toString(),
      /holds an encrypted private key \(PEM PKCS#8\); expected/,
    ],
    [
      'a PEM with a broken body',
      () => '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      /holds PEM PKCS#8 whose content is not a valid key/,
    ],
    ['a PEM without an END line', () => '-----BEGIN PRIVATE KEY-----\nAAAA\n', /is broken PEM/],
  ])('private: %s', (_name, input, message) => {
    expect(keyError(() => importPrivateKey(input(), 'LIANLIAN_PRIVATE_KEY'))).toMatch(message);
  });

  it.each<[string, () => string, RegExp]>([
    [
      'a private key given as public (PEM PKCS#8)',
      () => merchantKeys1024().privatePem,
      /^LIANLIAN_PUBLIC_KEY holds a private key \(PEM PKCS#8\); expected an RSA public key: PEM \(SPKI or PKCS#1\) or bare base64 SPKI$/,
    ],
    ['a private key given as public (PKCS#1 PEM)', () => pkcs1PrivatePem(merchantKeys1024()), /holds a private key \(PEM PKCS#1\)/],
    ['a private key given as public (base64)', () => merchantKeys1024().privateBase64, /holds a private key \(base64 DER PKCS#8\)/],
    ['garbage', () => '%%%', /^LIANLIAN_PUBLIC_KEY is not PEM and not base64 DER/],
  ])('public: %s', (_name, input, message) => {
    expect(keyError(() => importPublicKey(input(), 'LIANLIAN_PUBLIC_KEY'))).toMatch(message);
  });

  it('names a non-RSA key by its type', () => {
    const ec = createPrivateKey(
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----\n',
    );
    const message = keyError(() => importPrivateKey(ec.export({ type: 'pkcs8', format: 'pem' }).toString(), 'k'));
    expect(message).toMatch(/^k holds a non-RSA private key \(ec, PEM PKCS#8\); expected an RSA private key/);
  });

  it('never puts key material in the message', () => {
    const pem = merchantKeys1024().publicPem;
    const message = keyError(() => importPrivateKey(pem, 'x'));
    expect(message).not.toContain(merchantKeys1024().publicBase64.slice(20, 60));
  });
});

describe('handles', () => {
  it('show only kind and bits when serialised', () => {
    const key = importPrivateKey(merchantKeys1024().privatePem);
    expect(JSON.stringify(key)).toBe('{"kind":"private","bits":1024}');
    expect(Object.isFrozen(key)).toBe(true);
  });

  it('derive the same public half once', () => {
    const key = lianlianKeys1024().privateKey;
    expect(publicKeyOf(key)).toBe(publicKeyOf(key));
    expect(exportPublicPem(publicKeyOf(key))).toBe(lianlianKeys1024().publicPem);
  });

  it('refuse a look-alike that was not imported', () => {
    expect(() => signString('a=1', { kind: 'private', bits: 1024 })).toThrow(/not a key imported/);
  });
});
