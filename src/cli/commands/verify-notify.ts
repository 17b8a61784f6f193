// llrecon verify-notify [FILE]: check a LianLian JSON body's signature with LianLian's public key, print the
// string that was signed and the verdict; exit 0 valid, 1 invalid, 2 unusable input. Needs no Redis, no settings
// but the key.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import { isLlreconError } from '../../errors.js';
import { importPublicKey, type PublicKey } from '../../lianlian/keys.js';
import { parseSignedBody } from '../../lianlian/signed-body.js';
import { verifyBody } from '../../lianlian/signature.js';

/** Where the sandbox keeps its simulator's public key, used when no key is configured. */
export const SANDBOX_PUBLIC_KEY_FILE = './.data/sandbox/lianlian_public.pem';

/** The verdict of verify-notify: its exit code and the lines it prints. */
export interface VerifyNotifyOutcome {
  exitCode: 0 | 1 | 2;
  lines: string[];
}

/**
 * Checks one body. `publicKeyText` is LianLian's public key in any accepted form (null: none found);
 * `keyLabel` names where it came from in messages.
 */
export function verifyNotifyCommand(input: { body: string; publicKeyText: string | null; keyLabel?: string }): VerifyNotifyOutcome {
  const label = input.keyLabel ?? 'LIANLIAN_PUBLIC_KEY';
  if (input.publicKeyText === null) {
    return {
      exitCode: 2,
      lines: [`unusable: no key: set LIANLIAN_PUBLIC_KEY or LIANLIAN_PUBLIC_KEY_FILE to LianLian's public key`],
    };
  }
  let key: PublicKey;
  try {
    key = importPublicKey(input.publicKeyText, label);
  } catch (error) {
    if (!isLlreconError(error)) throw error;
    return { exitCode: 2, lines: [`unusable: ${error.message}`] };
  }
  const body = input.body.replace(/^\uFEFF/, '');
  let nonString: string[];
  try {
    nonString = parseSignedBody(body).nonString;
  } catch (error) {
    if (!isLlreconError(error)) throw error;
    return { exitCode: 2, lines: [`unusable: ${error.message}`] };
  }
  const result = verifyBody(body, key);
  const lines = [`signed string: ${result.signString}`];
  switch (result.reason) {
    case 'ok':
      return { exitCode: 0, lines: [...lines, 'valid'] };
    case 'no_sign':
      return { exitCode: 2, lines: [...lines, 'unusable: the body has no sign field'] };
    case 'non_string':
      return {
        exitCode: 1,
        lines: [...lines, `invalid: not strings: ${nonString.join(', ')} (LianLian sends every value as a string)`],
      };
    case 'mismatch':
      return { exitCode: 1, lines: [...lines, 'invalid: signature does not match'] };
  }
}

/** Finds LianLian's public key: the environment, then `.env` in `cwd`, then the sandbox's simulator key. */
export function findPublicKeyText(
  env: NodeJS.ProcessEnv,
  cwd: string,
): { text: string; label: string } | { text: null; problem: string | null } {
  const dotEnv = readDotEnv(cwd);
  const pick = (name: string): string | undefined => {
    const value = env[name] ?? dotEnv[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const inline = pick('LIANLIAN_PUBLIC_KEY');
  if (inline !== undefined) return { text: inline, label: 'LIANLIAN_PUBLIC_KEY' };
  const file = pick('LIANLIAN_PUBLIC_KEY_FILE');
  if (file !== undefined) {
    const path = resolve(cwd, file);
    try {
      return { text: readFileSync(path, 'utf8'), label: `LIANLIAN_PUBLIC_KEY_FILE (${path})` };
    } catch (error) {
      return { text: null, problem: `LIANLIAN_PUBLIC_KEY_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  const sandbox = resolve(cwd, SANDBOX_PUBLIC_KEY_FILE);
  if (existsSync(sandbox)) return { text: readFileSync(sandbox, 'utf8'), label: `the sandbox simulator's key (${sandbox})` };
  return { text: null, problem: null };
}

function readDotEnv(cwd: string): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  try {
    return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  } catch {
    return {};
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers `llrecon verify-notify [FILE]`. */
export function register(program: Command): void {
  program
    .command('verify-notify')
    .description(
      "check a LianLian JSON body's signature with LIANLIAN_PUBLIC_KEY / LIANLIAN_PUBLIC_KEY_FILE; prints the signed string and the verdict (exit 0 valid, 1 invalid, 2 unusable)",
    )
    .argument('[file]', 'file holding the JSON body (default: standard input)')
    .action(async (file: string | undefined) => {
      const print = (lines: readonly string[]): void => {
        process.stdout.write(`${lines.join('\n')}\n`);
      };
      let body: string;
      if (file === undefined || file === '-') {
        if (process.stdin.isTTY) process.stderr.write('reading the JSON body from standard input (end with Ctrl-D)\n');
        body = await readStdin();
      } else {
        try {
          body = readFileSync(file, 'utf8');
        } catch (error) {
          print([`unusable: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
          process.exitCode = 2;
          return;
        }
      }
      const found = findPublicKeyText(process.env, process.cwd());
      if (found.text === null && found.problem !== null) {
        print([`unusable: ${found.problem}`]);
        process.exitCode = 2;
        return;
      }
      const outcome = verifyNotifyCommand(
        found.text === null ? { body, publicKeyText: null } : { body, publicKeyText: found.text, keyLabel: found.label },
      );
      print(outcome.lines);
      process.exitCode = outcome.exitCode;
    });
}
