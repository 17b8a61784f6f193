// llrecon signs and verifies with node:crypto (see src/lianlian/signature.ts for the measurements behind that
// choice); node-rsa 2 with its scheme pinned to pkcs1-md5 — the library the project was specified with — must
// agree byte for byte, both ways.
import NodeRSA from 'node-rsa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { signString, verifyString } from '../src/lianlian/signature.js';

// node-rsa warns on the console for every MD5 key; keep the test output clean
beforeAll(() => void vi.spyOn(console, 'warn').mockImplementation(() => undefined));
afterAll(() => vi.restoreAllMocks());

const fields = {
  oid_partner: '201408071000001543',
  no_order: '订单-001',
  money_order: '210.97',
  sign_type: 'RSA',
  dt_order: '20261124103000',
};

describe.each([1024, 2048])('MD5withRSA with %i-bit keys agrees with node-rsa 2 (pkcs1-md5)', (bits) => {
  const pair = generateKeyPair(bits);
  const text = buildSignString(fields);

  it('node-rsa verifies what llrecon signs, and makes the same bytes', () => {
    const ours = signString(text, importPrivateKey(pair.privatePem));
    const theirs = new NodeRSA(pair.privatePem, 'pkcs8-private-pem', { signingScheme: 'pkcs1-md5' });
    expect(theirs.verify(Buffer.from(text, 'utf8'), ours, undefined, 'base64')).toBe(true);
    expect(theirs.sign(Buffer.from(text, 'utf8'), 'base64')).toBe(ours);
  });

  it('llrecon verifies what node-rsa signs, and rejects it for another text', () => {
    const theirs = new NodeRSA(pair.privatePem, 'pkcs8-private-pem', { signingScheme: 'pkcs1-md5' });
    const sig = theirs.sign(Buffer.from(text, 'utf8'), 'base64');
    const pub = importPublicKey(pair.publicPem);
    expect(verifyString(text, sig, pub)).toBe(true);
    expect(verifyString(text.replace('210.97', '210.98'), sig, pub)).toBe(false);
  });
});
