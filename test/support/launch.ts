// The one way tests start a process of llrecon's TypeScript: `node --import tsx`, from the repository root, with
// its output collected. The variants the tests need are built on it: the `llrecon` command (cli.ts), engine
// worker processes (worker-spawn.ts), and a module evaluated from a string (`code`).
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './repository-paths.js';

export interface LaunchOptions {
  /** The child's whole environment (nothing is inherited unless passed here). */
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; `null`: no stdin at all. */
  input?: string | null;
  /** `inherit` shows the child's stderr in the test output instead of collecting it. */
  stderr?: 'pipe' | 'inherit';
  /**
   * Leader of a process group of its own, so that a test can signal the group as a terminal does
   * (`process.kill(-child.pid, 'SIGINT')`) without hitting the test's own group.
   */
  detached?: boolean;
}

/** What a TypeScript process runs: a file (relative to the repository root) with arguments, or ESM source text. */
export type LaunchEntry = { script: string; args?: readonly string[] } | { code: string };

export interface Launched {
  child: ChildProcess;
  /** Output so far: each stream, and both in the order they arrived. */
  readonly stdout: string;
  readonly stderr: string;
  readonly all: string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once the output so far contains `text`; rejects if the process exits first or after `ms`. */
  waitForOutput(text: string, ms?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

export function launchTs(entry: LaunchEntry, o: LaunchOptions): Launched {
  const argv = 'script' in entry ? [entry.script, ...(entry.args ?? [])] : ['--input-type=module', '-e', entry.code];
  const child = spawn(process.execPath, ['--import', 'tsx', ...argv], {
    cwd: REPO_ROOT,
    env: o.env,
    stdio: [o.input === null ? 'ignore' : 'pipe', 'pipe', o.stderr ?? 'pipe'],
    detached: o.detached ?? false,
  });
  live.add(child);
  child.stdin?.end(o.input ?? '');
  let stdout = '';
  let stderr = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    all += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    all += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const what = 'script' in entry ? entry.script : 'node -e';
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get all() {
      return all;
    },
    exited,
    waitForOutput: (text, ms = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${what} did not print "${text}" within ${ms} ms\n${all}`)), ms);
        const check = () => all.includes(text) && done(null);
        const done = (err: Error | null) => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          if (err) reject(err);
          else resolve();
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        void exited.then((code) => done(new Error(`${what} exited (${code}) before it printed "${text}"\n${all}`)));
        check();
      }),
  };
}

/** SIGKILL every launched process still running (afterAll). */
export function killLaunched(): void {
  for (const child of live) child.kill('SIGKILL');
}
