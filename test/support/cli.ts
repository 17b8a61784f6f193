// Running the real `llrecon` command (through tsx, from source) in tests: the launcher's `llrecon` variant.
import type { ChildProcess } from 'node:child_process';
import { launchTs, type Launched } from './launch.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `llrecon …args` with only PATH and HOME of the test's environment, plus `env`; `input` on stdin. */
function launchCli(args: string[], env: Record<string, string | undefined>, input?: string): Launched {
  return launchTs(
    { script: 'src/cli/main.ts', args },
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, input: input ?? '' },
  );
}

/** The running command, for tests that talk to it while it runs (read its stdout, send it signals). */
export function cliProcess(args: string[], env: Record<string, string | undefined>, input?: string): ChildProcess {
  return launchCli(args, env, input).child;
}

/** Runs the command to its end (SIGKILL and a rejection after `timeoutMs`). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  input?: string,
  timeoutMs = 30_000,
): Promise<CliResult> {
  const run = launchCli(args, env, input);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`llrecon ${args.join(' ')} did not finish in ${timeoutMs} ms\n${run.stdout}\n${run.stderr}`));
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([run.exited, timedOut]);
    return { code, stdout: run.stdout, stderr: run.stderr };
  } finally {
    clearTimeout(timer);
  }
}
