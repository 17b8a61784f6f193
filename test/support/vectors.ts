// The known-answer vectors (test/vectors/, provenance in its README.md), typed, read from inside the repository
// so that the suite runs on any clone.
import { readFileSync } from 'node:fs';

function readVector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

/** The docs' add-sign example, with the test merchant's published private key. */
export interface AddSignVector {
  merchant_private_key_pkcs8_base64: string;
  body: Record<string, string>;
  sign_source: string;
  sign: string;
}

/** LianLian's real public key (bare base64 X.509 SubjectPublicKeyInfo DER). */
export interface LianLianPublicKeyVector {
  public_key_base64: string;
  modulus_bits: number;
  sha256_of_der: string;
}

/** A real LianLian-signed response (2015), and a copy with one character of money_order changed. */
export interface VerifyDirectVector {
  body: Record<string, string>;
  sign_source: string;
  expect_valid: boolean;
  tampered: { body: Record<string, string>; expect_valid: boolean };
}

export const addSignVector = readVector<AddSignVector>('add-sign.json');
export const lianlianPublicKeyVector = readVector<LianLianPublicKeyVector>('lianlian-public-key.json');
export const verifyDirectVector = readVector<VerifyDirectVector>('verify-direct-2015.json');
