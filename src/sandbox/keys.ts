// The sandbox's provisioned identity: a merchant id and key pair plus the simulator's LianLian key pair,
// generated once under a directory (./.data/sandbox) and reused across restarts.
import { randomInt } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlreconError } from '../errors.js';
import { exportPublicPem, generateKeyPair, importPrivateKey, publicKeyOf } from '../lianlian/keys.js';
import { formatLianLianTime } from '../lianlian/time.js';

/** The sandbox's keys and merchant id, as PEM text. */
export interface SandboxKeys {
  oidPartner: string;
  lianlianPrivate: string;
  lianlianPublic: string;
  merchantPrivate: string;
  merchantPublic: string;
}

/** The files {@link ensureSandboxKeys} keeps in its directory. */
export const SANDBOX_KEY_FILES = {
  lianlianPrivate: 'lianlian_private.pem',
  lianlianPublic: 'lianlian_public.pem',
  merchantPrivate: 'merchant_private.pem',
  merchantPublic: 'merchant_public.pem',
  oidPartner: 'oid_partner.txt',
} as const;

/** Creates `file` with `text` unless it exists (then its content wins): safe when two processes race. */
function createOnce(file: string, text: string, mode: number): string {
  const tmp = `${file}.${process.pid}.${randomInt(1e9)}.tmp`;
  writeFileSync(tmp, text, { mode });
  try {
    linkSync(tmp, file);
    return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8');
  } finally {
    unlinkSync(tmp);
  }
}

/** A key pair in `dir`: reused when its private half is there (the public half is derived from it), else made. */
function ensurePair(
  dir: string,
  privateName: string,
  publicName: string,
  bits: number,
  label: string,
): { privatePem: string; publicPem: string } {
  const privateFile = join(dir, privateName);
  const publicFile = join(dir, publicName);
  const privatePem = existsSync(privateFile)
    ? readFileSync(privateFile, 'utf8')
    : createOnce(privateFile, generateKeyPair(bits).privatePem, 0o600);
  const publicPem = exportPublicPem(publicKeyOf(importPrivateKey(privatePem, `${label} (${privateFile})`)));
  const written = existsSync(publicFile) ? readFileSync(publicFile, 'utf8') : null;
  if (written === null || written.trim() !== publicPem.trim()) writeFileSync(publicFile, publicPem, { mode: 0o644 });
  return { privatePem, publicPem };
}

/**
 * Provisions the sandbox in `dir` (created if needed), reusing what is already there: the simulator's LianLian
 * key pair (1024-bit, like LianLian's), a merchant key pair (2048-bit) and an 18-digit merchant id. Private keys
 * are written with mode 600. Throws `LLRECON_KEY_FORMAT` / `LLRECON_CONFIG` when a kept file is unusable.
 */
export function ensureSandboxKeys(dir: string): SandboxKeys {
  mkdirSync(dir, { recursive: true });
  const lianlian = ensurePair(dir, SANDBOX_KEY_FILES.lianlianPrivate, SANDBOX_KEY_FILES.lianlianPublic, 1024, 'sandbox LianLian key');
  const merchant = ensurePair(dir, SANDBOX_KEY_FILES.merchantPrivate, SANDBOX_KEY_FILES.merchantPublic, 2048, 'sandbox merchant key');
  const idFile = join(dir, SANDBOX_KEY_FILES.oidPartner);
  // like LianLian's: the date of issue, then a serial
  const fresh = `${formatLianLianTime(Date.now()).slice(0, 8)}1000${String(randomInt(1_000_000)).padStart(6, '0')}`;
  const oidPartner = (existsSync(idFile) ? readFileSync(idFile, 'utf8') : createOnce(idFile, `${fresh}\n`, 0o644)).trim();
  if (!/^\d{18}$/.test(oidPartner)) throw new LlreconError('LLRECON_CONFIG', `${idFile}: not an 18-digit merchant id`);
  return {
    oidPartner,
    lianlianPrivate: lianlian.privatePem,
    lianlianPublic: lianlian.publicPem,
    merchantPrivate: merchant.privatePem,
    merchantPublic: merchant.publicPem,
  };
}
