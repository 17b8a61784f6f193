// RSA keys for MD5withRSA: importing them from every form merchants and LianLian hand out (PEM PKCS#1/PKCS#8/SPKI,
// bare base64 DER, the Java convention), generating pairs, and deriving public halves.
// Parsing is node:crypto's (it reads every one of these DER structures); node-rsa adds nothing here.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { LlreconError, fieldError } from '../errors.js';

/** An imported RSA private key: an opaque handle (the parsed key is cached inside, never exposed). */
export interface PrivateKey {
  readonly kind: 'private';
  /** Modulus length in bits. */
  readonly bits: number;
}

/** An imported RSA public key: an opaque handle (the parsed key is cached inside, never exposed). */
export interface PublicKey {
  readonly kind: 'public';
  /** Modulus length in bits. */
  readonly bits: number;
}

/** A fresh key pair in the forms llrecon writes and LianLian's portal takes. */
export interface GeneratedKeyPair {
  /** PKCS#8 PEM. */
  privatePem: string;
  /** SPKI (X.509 SubjectPublicKeyInfo) PEM. */
  publicPem: string;
  /** Bare base64 of the PKCS#8 DER, one line. */
  privateBase64: string;
  /** Bare base64 of the SPKI DER, one line: what is uploaded to LianLian. */
  publicBase64: string;
}

// The parsed keys live here, keyed by handle, so a handle that reaches a log or JSON shows only kind and bits.
const keyObjects = new WeakMap<PrivateKey | PublicKey, KeyObject>();
const derivedPublic = new WeakMap<PrivateKey, PublicKey>();

const EXPECTED_PRIVATE = 'expected an RSA private key: PEM (PKCS#1 or PKCS#8) or bare base64 PKCS#8';
const EXPECTED_PUBLIC = 'expected an RSA public key: PEM (SPKI or PKCS#1) or bare base64 SPKI';

type DerType = 'pkcs8' | 'pkcs1' | 'spki';

/** What an input turned out to be, before checking it is what was wanted. */
type Found =
  | { form: 'private'; key: KeyObject; description: string }
  | { form: 'public'; key: KeyObject; description: string }
  | { form: 'other'; description: string };

const PEM_LABELS: Readonly<Record<string, { form: 'private' | 'public'; type: DerType; name: string }>> = {
  'RSA PRIVATE KEY': { form: 'private', type: 'pkcs1', name: 'PEM PKCS#1' },
  'PRIVATE KEY': { form: 'private', type: 'pkcs8', name: 'PEM PKCS#8' },
  'RSA PUBLIC KEY': { form: 'public', type: 'pkcs1', name: 'PEM PKCS#1' },
  'PUBLIC KEY': { form: 'public', type: 'spki', name: 'PEM SPKI' },
};

function makeHandle(kind: 'private', key: KeyObject): PrivateKey;
function makeHandle(kind: 'public', key: KeyObject): PublicKey;
function makeHandle(kind: 'private' | 'public', key: KeyObject): PrivateKey | PublicKey {
  const handle: PrivateKey | PublicKey = Object.freeze({ kind, bits: key.asymmetricKeyDetails?.modulusLength ?? 0 });
  keyObjects.set(handle, key);
  return handle;
}

/**
 * The node:crypto key inside a handle, for the signing code of this folder.
 * @internal
 */
export function keyObjectOf(key: PrivateKey | PublicKey): KeyObject {
  const found = keyObjects.get(key);
  if (found === undefined) {
    throw new LlreconError('LLRECON_KEY_FORMAT', `not a key imported by importPrivateKey/importPublicKey (${key.kind})`);
  }
  return found;
}

function parseDer(der: Buffer, form: 'private' | 'public', type: DerType): KeyObject | null {
  try {
    return form === 'private'
      ? createPrivateKey({ key: der, format: 'der', type: type as 'pkcs8' | 'pkcs1' })
      : createPublicKey({ key: der, format: 'der', type: type as 'spki' | 'pkcs1' });
  } catch {
    return null;
  }
}

function rsaOnly(key: KeyObject, form: 'private' | 'public', description: string): Found {
  return key.asymmetricKeyType === 'rsa'
    ? { form, key, description }
    : { form: 'other', description: `a non-RSA ${form} key (${key.asymmetricKeyType ?? 'unknown type'}, ${description})` };
}

function identifyPem(text: string): Found {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (match === null) return { form: 'other', description: 'broken PEM (no matching BEGIN/END lines)' };
  const label = match[1] ?? '';
  const body = match[2] ?? '';
  const known = PEM_LABELS[label];
  if (label === 'ENCRYPTED PRIVATE KEY') return { form: 'other', description: 'an encrypted private key (PEM PKCS#8)' };
  if (known === undefined) return { form: 'other', description: `PEM "${label}"` };
  if (/Proc-Type:\s*4,\s*ENCRYPTED/i.test(body)) {
    return { form: 'other', description: `an encrypted ${known.form} key (${known.name})` };
  }
  const base64 = body.replace(/\s+/g, '');
  const der = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : null;
  const key = der === null ? null : parseDer(der, known.form, known.type);
  if (key === null) return { form: 'other', description: `${known.name} whose content is not a valid key` };
  return rsaOnly(key, known.form, known.name);
}

function identifyDer(der: Buffer, encoding: string): Found {
  const attempts: ReadonlyArray<readonly ['private' | 'public', DerType, string]> = [
    ['private', 'pkcs8', 'PKCS#8'],
    ['private', 'pkcs1', 'PKCS#1'],
    ['public', 'spki', 'SPKI'],
    ['public', 'pkcs1', 'PKCS#1'],
  ];
  for (const [form, type, name] of attempts) {
    const key = parseDer(der, form, type);
    if (key !== null) return rsaOnly(key, form, `${encoding} ${name}`);
  }
  return { form: 'other', description: `${encoding} that is not a key in DER (PKCS#8, PKCS#1 or SPKI)` };
}

function identify(input: string | Buffer): Found {
  if (Buffer.isBuffer(input) && input.length > 0 && input[0] === 0x30 && !isPrintable(input)) {
    return identifyDer(input, 'binary DER');
  }
  // Environment variables often carry PEM with literal "\n" sequences: read them as line breaks.
  const text = (Buffer.isBuffer(input) ? input.toString('utf8') : input).replace(/\\n/g, '\n').trim();
  if (text === '') return { form: 'other', description: 'empty' };
  if (text.includes('-----BEGIN ')) return identifyPem(text);
  const base64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 === 1) {
    return { form: 'other', description: 'not PEM and not base64 DER' };
  }
  return identifyDer(Buffer.from(base64, 'base64'), 'base64 DER');
}

function isPrintable(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0x0a || b === 0x0d || b === 0x09 || (b >= 0x20 && b < 0x7f));
}

function describeForError(found: Found): string {
  if (found.form === 'other') {
    return found.description === 'empty' || found.description.startsWith('not PEM') || found.description.startsWith('broken')
      ? `is ${found.description}`
      : `holds ${found.description}`;
  }
  return `holds a ${found.form} key (${found.description})`;
}

/**
 * Imports an RSA private key: PEM PKCS#1 (`BEGIN RSA PRIVATE KEY`), PEM PKCS#8 (`BEGIN PRIVATE KEY`), or bare
 * base64 DER (PKCS#8 or PKCS#1); whitespace, line breaks and literal `\n` are tolerated.
 * @param label names the key's source in errors, e.g. `LIANLIAN_PRIVATE_KEY`.
 * @throws LlreconError `LLRECON_KEY_FORMAT` naming `label`, what was found and what was expected.
 */
export function importPrivateKey(input: string | Buffer, label = 'private key'): PrivateKey {
  const found = identify(input);
  if (found.form !== 'private') {
    throw new LlreconError('LLRECON_KEY_FORMAT', `${label} ${describeForError(found)}; ${EXPECTED_PRIVATE}`);
  }
  return makeHandle('private', found.key);
}

/**
 * Imports an RSA public key: PEM SPKI (`BEGIN PUBLIC KEY`), PEM PKCS#1 (`BEGIN RSA PUBLIC KEY`), or bare base64
 * DER (SPKI or PKCS#1), as LianLian publishes its own; whitespace, line breaks and literal `\n` are tolerated.
 * A private key is refused (a public key is expected where the input came from).
 * @throws LlreconError `LLRECON_KEY_FORMAT` naming `label`, what was found and what was expected.
 */
export function importPublicKey(input: string | Buffer, label = 'public key'): PublicKey {
  const found = identify(input);
  if (found.form !== 'public') {
    throw new LlreconError('LLRECON_KEY_FORMAT', `${label} ${describeForError(found)}; ${EXPECTED_PUBLIC}`);
  }
  return makeHandle('public', found.key);
}

/**
 * Generates an RSA key pair (public exponent 65537).
 * @param bits modulus length, an integer from 1024 to 8192 (LianLian's docs use 2048; its demo keys are 1024).
 */
export function generateKeyPair(bits = 2048): GeneratedKeyPair {
  if (!Number.isInteger(bits) || bits < 1024 || bits > 8192) {
    throw fieldError('bits', `must be an integer from 1024 to 8192, got ${String(bits)}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateBase64: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** The public half of a private key (derived once, then cached). */
export function publicKeyOf(key: PrivateKey): PublicKey {
  const cached = derivedPublic.get(key);
  if (cached !== undefined) return cached;
  const handle = makeHandle('public', createPublicKey(keyObjectOf(key)));
  derivedPublic.set(key, handle);
  return handle;
}

/** A public key as bare base64 SPKI DER on one line (the form LianLian's portal takes). */
export function exportPublicBase64(key: PublicKey): string {
  return keyObjectOf(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A public key as SPKI PEM (`BEGIN PUBLIC KEY`). */
export function exportPublicPem(key: PublicKey): string {
  return keyObjectOf(key).export({ type: 'spki', format: 'pem' }).toString();
}
