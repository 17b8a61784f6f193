// LianLian signs with MD5withRSA only; a FIPS-mode OpenSSL refuses MD5 signatures. Probe once, say so clearly.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { LlreconError } from '../errors.js';

let supported: boolean | undefined;

/** Whether this Node's OpenSSL signs and verifies RSA-MD5 (probed once with a small throwaway key, then cached). */
export function md5Supported(): boolean {
  if (supported === undefined) {
    try {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const probe = Buffer.from('llrecon md5 probe', 'utf8');
      supported = verify('md5', probe, publicKey, sign('md5', probe, privateKey));
    } catch {
      supported = false;
    }
  }
  return supported;
}

/**
 * Throws `LLRECON_MD5_UNSUPPORTED` when RSA-MD5 is unavailable.
 * @throws LlreconError `LLRECON_MD5_UNSUPPORTED`
 */
export function assertMd5Supported(): void {
  if (!md5Supported()) {
    throw new LlreconError(
      'LLRECON_MD5_UNSUPPORTED',
      'this Node/OpenSSL refuses RSA-MD5 signatures (FIPS mode?), but LianLian requires MD5withRSA: run llrecon on a Node whose OpenSSL is not in FIPS mode',
    );
  }
}
