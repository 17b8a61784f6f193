// How the chaos run starts its child processes. From the TypeScript sources (the suite's short run, under vitest)
// a child runs its .ts entry through tsx; from the compiled dist/ (`npm run chaos` builds first) it runs the .js
// entry with plain node, which starts about 2.4× faster — and a SIGKILLed worker's replacement that is slow to start
// does no work, so in the full run start time is lost throughput.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../bench/results-file.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const COMPILED = import.meta.url.endsWith('.js');

/** The repository's root (this file may run from dist/). */
export const REPO_ROOT = repoRoot();

/** The entry file of the chaos child `name` (e.g. `engine-process`), beside this one. */
export function childEntry(name: string): string {
  return join(HERE, `${name}.${COMPILED ? 'js' : 'ts'}`);
}

/** The node options a child needs before its entry: tsx's loader when running from the sources. */
export const CHILD_EXEC_ARGV: readonly string[] = COMPILED ? [] : ['--import', 'tsx'];
