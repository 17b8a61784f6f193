// MD5withRSA (RSASSA-PKCS1-v1_5 over an MD5 DigestInfo), the only scheme LianLian's `sign_type=RSA` uses.
//
// Signing and verifying go through node:crypto with the KeyObject cached in each key handle, not node-rsa 2:
// both produce the same bytes (the add-sign vector reproduces with either), node:crypto is a little faster
// (1024-bit sign ≈ 92 µs vs 102 µs, verify ≈ 11.8 µs vs 13.0 µs; 2048-bit sign ≈ 251 µs vs 292 µs), and node-rsa 2
// writes a "md5 is cryptographically broken" warning to the console on every MD5 key, which a library must not do
// (and its default scheme is PSS, a trap for this protocol).
import { sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { LlreconError, isLlreconError } from '../errors.js';
import { keyObjectOf, type PrivateKey, type PublicKey } from './keys.js';
import { buildSignString } from './sign-string.js';
import { parseSignedBody } from './signed-body.js';

/** The outcome of checking a signed set of fields. */
export interface VerifyResult {
  valid: boolean;
  /**
   * `ok` valid; `no_sign` no (or an empty) `sign` field; `mismatch` the signature does not match;
   * `non_string` a top-level value is not a string (every LianLian value is), so the body is not trusted.
   */
  reason: 'ok' | 'no_sign' | 'mismatch' | 'non_string';
  /** The string that was (or would have been) signed: always filled, for troubleshooting. */
  signString: string;
  /** The fields as text, without `sign`. */
  fields: Record<string, string>;
}

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Signs the UTF-8 bytes of `text` with MD5withRSA: standard padded base64 on one line. */
export function signString(text: string, key: PrivateKey): string {
  return rsaSign('md5', Buffer.from(text, 'utf8'), keyObjectOf(key)).toString('base64');
}

/**
 * Checks an MD5withRSA signature (standard base64) over the UTF-8 bytes of `text`. Never throws on a malformed
 * `sign`: anything that is not canonical base64 of a matching signature is `false`.
 */
export function verifyString(text: string, sign: string, key: PublicKey): boolean {
  if (typeof sign !== 'string' || sign === '' || !CANONICAL_BASE64.test(sign)) return false;
  const signature = Buffer.from(sign, 'base64');
  if (signature.toString('base64') !== sign) return false;
  try {
    return rsaVerify('md5', Buffer.from(text, 'utf8'), keyObjectOf(key), signature);
  } catch {
    return false;
  }
}

/** Returns `fields` with `sign` set over `buildSignString(fields)`; the caller sets `sign_type` beforehand. */
export function signFields<T extends Record<string, unknown>>(fields: T, key: PrivateKey): T & { sign: string } {
  return { ...fields, sign: signString(buildSignString(fields), key) };
}

/**
 * Verifies already-parsed fields (e.g. a form POST). A value that is not a string (null/undefined are dropped)
 * makes the result `non_string`: LianLian only sends strings.
 */
export function verifyFields(fields: Readonly<Record<string, unknown>>, key: PublicKey): VerifyResult {
  const text: Record<string, string> = {};
  const nonString: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') nonString.push(name);
    setField(text, name, typeof value === 'string' ? value : textForm(value));
  }
  return judge(text, nonString, key);
}

/**
 * Verifies a raw JSON body over its values exactly as written (see `parseSignedBody`).
 * @throws LlreconError `LLRECON_INVALID_JSON` / `LLRECON_NOT_AN_OBJECT` when the body is not a JSON object.
 */
export function verifyBody(raw: string, key: PublicKey): VerifyResult {
  const { fields, nonString } = parseSignedBody(raw);
  return judge(fields, nonString, key);
}

/** A LianLian answer whose signature verified. */
export interface SignedAnswer {
  /** Every field as text, without `sign`. */
  fields: Record<string, string>;
  signString: string;
}

/**
 * Reads an API answer body and checks LianLian's signature; anything short of a verified answer with a
 * `ret_code` throws. The errors carry `retCode`/`retMsg` when the body had them, and the signed string.
 * @throws LlreconError `LLRECON_UNPARSEABLE_ANSWER` (not JSON, not an object, no `ret_code`),
 *   `LLRECON_UNSIGNED_ANSWER` (no `sign`), `LLRECON_BAD_ANSWER_SIGNATURE` (wrong `sign`, or a non-string value).
 */
export function readSignedAnswer(raw: string, key: PublicKey): SignedAnswer {
  let body: ReturnType<typeof parseSignedBody>;
  try {
    body = parseSignedBody(raw);
  } catch (error) {
    if (!isLlreconError(error)) throw error;
    throw new LlreconError('LLRECON_UNPARSEABLE_ANSWER', `answer is not a JSON object: ${error.message}`, { cause: error });
  }
  const result = judge(body.fields, body.nonString, key);
  const retCode = body.nonString.includes('ret_code') ? undefined : result.fields.ret_code;
  const retMsg = body.nonString.includes('ret_msg') ? undefined : result.fields.ret_msg;
  const details = { retCode, retMsg, signString: result.signString };
  const about = retCode === undefined ? '' : ` (ret_code ${retCode}${retMsg === undefined ? '' : ` ${retMsg}`})`;
  if (retCode === undefined) {
    throw new LlreconError('LLRECON_UNPARSEABLE_ANSWER', 'answer has no ret_code string', details);
  }
  switch (result.reason) {
    case 'ok':
      return { fields: result.fields, signString: result.signString };
    case 'no_sign':
      throw new LlreconError('LLRECON_UNSIGNED_ANSWER', `answer carries no signature${about}`, details);
    case 'non_string':
      throw new LlreconError(
        'LLRECON_BAD_ANSWER_SIGNATURE',
        `answer has non-string values (${body.nonString.join(', ')}), which LianLian never sends${about}`,
        details,
      );
    case 'mismatch':
      throw new LlreconError('LLRECON_BAD_ANSWER_SIGNATURE', `answer signature does not verify${about}`, details);
  }
}

function judge(text: Readonly<Record<string, string>>, nonString: readonly string[], key: PublicKey): VerifyResult {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(text)) if (name !== 'sign') setField(fields, name, value);
  const signed = buildSignString(fields);
  const result = (valid: boolean, reason: VerifyResult['reason']): VerifyResult => ({
    valid,
    reason,
    signString: signed,
    fields,
  });
  const sign = Object.hasOwn(text, 'sign') ? text.sign : undefined;
  if (sign === undefined || sign === '') return result(false, 'no_sign');
  if (nonString.length > 0) return result(false, 'non_string');
  return verifyString(signed, sign, key) ? result(true, 'ok') : result(false, 'mismatch');
}

/** The text a non-string value is shown as in the sign string (never trusted: such a result is invalid). */
function textForm(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Sets an own field, even one named `__proto__`. */
function setField(target: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
