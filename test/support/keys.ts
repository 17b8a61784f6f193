// Test key pairs, generated at test time (never committed), once per process and only when first asked for.
import {
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  type GeneratedKeyPair,
  type PrivateKey,
  type PublicKey,
} from '../../src/lianlian/keys.js';

/** A generated pair in every exported form, plus its imported handles. */
export interface TestKeyPair extends GeneratedKeyPair {
  privateKey: PrivateKey;
  publicKey: PublicKey;
}

function memo(bits: number): () => TestKeyPair {
  let pair: TestKeyPair | undefined;
  return () => {
    if (pair === undefined) {
      const generated = generateKeyPair(bits);
      pair = {
        ...generated,
        privateKey: importPrivateKey(generated.privatePem, 'test private key'),
        publicKey: importPublicKey(generated.publicPem, 'test public key'),
      };
    }
    return pair;
  };
}

/** The merchant's 1024-bit pair. */
export const merchantKeys1024 = memo(1024);
/** A stand-in for LianLian's own 1024-bit pair (the simulator's). */
export const lianlianKeys1024 = memo(1024);
/** A 2048-bit pair (LianLian's docs tell merchants to use 2048). */
export const keys2048 = memo(2048);
