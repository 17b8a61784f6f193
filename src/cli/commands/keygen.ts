// llrecon keygen: make the merchant's RSA key pair, write it in PEM and bare base64, print the public half to
// upload to LianLian and the settings to use. The private key is written (mode 0600), never printed. By default
// the files go under the data directory (./.data/keys, git-ignored), never loose in a working tree.
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { fieldError } from '../../errors.js';
import { generateKeyPair } from '../../lianlian/keys.js';

/** The files keygen writes, by role. */
export const KEY_FILES = {
  privatePem: 'merchant_private.pem',
  publicPem: 'merchant_public.pem',
  privateBase64: 'merchant_private.base64.txt',
  publicBase64: 'merchant_public.base64.txt',
} as const;

/** Where keygen writes without `--out`: `<DATA_DIR>/keys` (DATA_DIR defaults to `./.data`, which .gitignore covers). */
export function defaultKeyDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(cwd, env.DATA_DIR?.trim() || '.data', 'keys');
}

/** What {@link writeKeyFiles} did. */
export interface KeygenResult {
  /** Absolute paths of the written files. */
  files: { privatePem: string; publicPem: string; privateBase64: string; publicBase64: string };
  /** The public key as bare base64 SPKI on one line: what the merchant uploads to LianLian. */
  publicBase64: string;
  bits: number;
}

function writeFileAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  chmodSync(temporary, mode); // whatever the umask did
  renameSync(temporary, path);
}

/**
 * Generates a key pair and writes the four files into `dir` (created if needed). Refuses to replace existing
 * files unless `force`.
 * @throws LlreconError `LLRECON_INVALID_FIELD` (`--out` when files exist, `bits` when the size is refused).
 */
export function writeKeyFiles(opts: { dir: string; bits?: number; force?: boolean }): KeygenResult {
  const dir = resolve(opts.dir);
  const files = {
    privatePem: join(dir, KEY_FILES.privatePem),
    publicPem: join(dir, KEY_FILES.publicPem),
    privateBase64: join(dir, KEY_FILES.privateBase64),
    publicBase64: join(dir, KEY_FILES.publicBase64),
  };
  const existing = Object.values(files).filter((file) => existsSync(file));
  if (existing.length > 0 && opts.force !== true) {
    const names = existing.map((file) => basename(file)).join(', ');
    throw fieldError('--out', `${dir} already holds ${names}; use --force to replace them, or choose another --out`);
  }
  const pair = generateKeyPair(opts.bits ?? 2048);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomically(files.privatePem, pair.privatePem, 0o600);
  writeFileAtomically(files.privateBase64, `${pair.privateBase64}\n`, 0o600);
  writeFileAtomically(files.publicPem, pair.publicPem, 0o644);
  writeFileAtomically(files.publicBase64, `${pair.publicBase64}\n`, 0o644);
  return { files, publicBase64: pair.publicBase64, bits: opts.bits ?? 2048 };
}

/** The lines keygen prints: where the files are, the public key to upload, the settings. Never the private key. */
export function keygenReport(result: KeygenResult): string[] {
  return [
    `wrote a ${result.bits}-bit RSA key pair:`,
    `  ${result.files.privatePem}  (private, PKCS#8 PEM, mode 0600: keep it secret)`,
    `  ${result.files.privateBase64}  (private, bare base64 PKCS#8, mode 0600)`,
    `  ${result.files.publicPem}  (public, SPKI PEM)`,
    `  ${result.files.publicBase64}  (public, bare base64 SPKI)`,
    '',
    'Upload this public key to LianLian (merchant portal, RSA public key):',
    result.publicBase64,
    '',
    'Then set:',
    `LIANLIAN_PRIVATE_KEY_FILE=${result.files.privatePem}`,
  ];
}

/** Registers `llrecon keygen`. */
export function register(program: Command): void {
  program
    .command('keygen')
    .description("generate the merchant's RSA key pair (MD5withRSA signing) and print the public half to upload to LianLian")
    .option('--bits <n>', 'key size in bits (1024 to 8192)', '2048')
    .option('--out <dir>', 'directory to write the key files into (default: <DATA_DIR>/keys, i.e. ./.data/keys)')
    .option('--force', 'replace key files that already exist')
    .action((flags: { bits: string; out?: string; force?: boolean }) => {
      if (!/^\d+$/.test(flags.bits)) throw fieldError('bits', `must be a whole number, got "${flags.bits}"`);
      const result = writeKeyFiles({ dir: flags.out ?? defaultKeyDir(), bits: Number(flags.bits), force: flags.force === true });
      process.stdout.write(`${keygenReport(result).join('\n')}\n`);
    });
}
