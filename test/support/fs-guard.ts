// Setup file (vitest.config.ts `setupFiles`): a test process may only touch files inside the repository, the OS
// temp directory and the system's own (repository-paths.ts lists them). The suite must run on any clone, so a test that
// reads a file of the workspace around the clone (a sibling folder, an absolute workspace path) fails here, on the
// machine that has the file, not later on the one that lacks it.
//
// The fs functions that open, list, create or delete by path are wrapped (node:fs, its callback and promise
// forms; ESM named imports follow through syncBuiltinESMExports). A path outside is refused with an error, and
// also remembered: code under test may swallow the error, so each test file fails at its end as well.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { outsideRepository } from './repository-paths.js';

/** Functions whose first argument is a path (a number or a FileHandle there is an open file: not checked). */
const PATH_FIRST = [
  'readFile',
  'open',
  'createReadStream',
  'readdir',
  'opendir',
  'writeFile',
  'appendFile',
  'createWriteStream',
  'mkdir',
  'rm',
  'rmdir',
  'unlink',
  'truncate',
] as const;
/** Functions whose first two arguments are paths. */
const TWO_PATHS = ['copyFile', 'cp', 'rename'] as const;

const refused: string[] = [];

function pathOf(arg: unknown): string | null {
  if (typeof arg === 'string') return resolve(arg);
  if (arg instanceof URL) return arg.protocol === 'file:' ? fileURLToPath(arg) : null;
  if (Buffer.isBuffer(arg)) return resolve(arg.toString('utf8'));
  return null;
}

function refusal(fn: string, arg: unknown): Error | null {
  const path = pathOf(arg);
  if (path === null || !outsideRepository(path)) return null;
  const message = `${fn}(${path}): a test may not touch files outside the repository (see test/support/repository-paths.ts)`;
  refused.push(message);
  return Object.assign(new Error(message), { code: 'ERR_TEST_OUTSIDE_REPOSITORY' });
}

type AnyFunction = (...args: unknown[]) => unknown;
/** How a refusal is reported: as the real function reports a failure (a throw, a rejection, or the callback). */
type Form = 'sync' | 'callback' | 'promise';

function wrap(target: Record<string, unknown>, name: string, label: string, paths: 1 | 2, form: Form): void {
  const original = target[name];
  if (typeof original !== 'function' || (original as { guarded?: true }).guarded) return;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const error = refusal(label, args[0]) ?? (paths === 2 ? refusal(label, args[1]) : null);
    if (error !== null) {
      if (form === 'promise') return Promise.reject(error);
      const callback = args.at(-1);
      if (form === 'callback' && typeof callback === 'function') return void process.nextTick(callback as AnyFunction, error);
      throw error;
    }
    return (original as AnyFunction).apply(this, args);
  };
  Object.defineProperty(guarded, 'guarded', { value: true });
  target[name] = guarded;
}

const fsTable = fs as unknown as Record<string, unknown>;
const promisesTable = fs.promises as unknown as Record<string, unknown>;
for (const [names, paths] of [
  [PATH_FIRST, 1],
  [TWO_PATHS, 2],
] as const) {
  for (const name of names) {
    // createReadStream/createWriteStream have no Sync or promise twin (wrap skips what does not exist)
    wrap(fsTable, name, `fs.${name}`, paths, name.startsWith('create') ? 'sync' : 'callback');
    wrap(fsTable, `${name}Sync`, `fs.${name}Sync`, paths, 'sync');
    wrap(promisesTable, name, `fs.promises.${name}`, paths, 'promise');
  }
}
syncBuiltinESMExports();

/** The refusals so far, forgotten (for the guard's own test, which provokes some on purpose). */
export function takeRefusals(): string[] {
  return refused.splice(0);
}

afterAll(() => {
  if (refused.length > 0) throw new Error(`this test file touched files outside the repository:\n${[...new Set(refused)].join('\n')}`);
});
