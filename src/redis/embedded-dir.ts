// The embedded redis-server's data directory: one server at a time on it, and private to this OS user.
// redis-server writes its pid to PIDFILE (and removes it on a clean shutdown); the process that started it writes
// its own pid to OWNERFILE. A server still holding the directory when a new one is about to start was left by a
// previous run (its owner died before it could stop it): it is stopped — SIGTERM, so that it writes its append-only
// file out — before the new one starts, never run beside it. A live owner means another llrecon uses the directory.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlreconError } from '../errors.js';

export const PIDFILE = 'redis-server.pid';
export const OWNERFILE = 'redis-server.owner';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command name of a process (Linux /proc, else `ps`), or null when it cannot be told. */
function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? null;
  } catch {
    // no /proc (macOS), or the process is gone
  }
  const r = spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** What {@link takeOverDataDir} found. */
export interface TakeOver {
  /** The pid of a previous run's redis-server that was stopped, or null when there was none. */
  stoppedPid: number | null;
}

/**
 * Makes `dir` ready for a new redis-server: stops a server a previous run left on it (its owner is dead), refuses
 * when a live process still owns it, and removes stale pid files.
 * @throws LlreconError `LLRECON_CONFIG` when another live process runs a redis-server on `dir`.
 */
export async function takeOverDataDir(dir: string): Promise<TakeOver> {
  const pidFile = join(dir, PIDFILE);
  const pid = readPid(pidFile);
  const command = pid === null || !processAlive(pid) ? null : commandOf(pid);
  if (pid === null || command === null || !command.includes('redis-server')) {
    rmSync(pidFile, { force: true }); // a crash's leftover (or a pid now used by something else)
    return { stoppedPid: null };
  }
  const owner = readPid(join(dir, OWNERFILE));
  if (owner !== null && processAlive(owner))
    throw new LlreconError(
      'LLRECON_CONFIG',
      `the embedded Redis in ${dir} is in use by process ${owner} (redis-server pid ${pid}): stop that llrecon first, ` +
        'or give this one another DATA_DIR or a REDIS_URL',
    );
  process.kill(pid, 'SIGTERM'); // redis-server treats SIGTERM as SHUTDOWN and writes its append-only file out
  for (const end = Date.now() + 10_000; processAlive(pid) && Date.now() < end;) await sleep(50);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const end = Date.now() + 2_000; processAlive(pid) && Date.now() < end;) await sleep(20);
  rmSync(pidFile, { force: true });
  return { stoppedPid: pid };
}

/** Records this process as the owner of the server on `dir`. */
export function writeOwner(dir: string): void {
  writeFileSync(join(dir, OWNERFILE), `${process.pid}\n`, { mode: 0o600 });
}

/** Forgets this process as the owner of `dir` (not another process's claim written since). */
export function clearOwner(dir: string): void {
  if (readPid(join(dir, OWNERFILE)) === process.pid) rmSync(join(dir, OWNERFILE), { force: true });
}

/** `dir` (created when missing) and everything in it readable by this user only: directories 0700, files 0600. */
export function makePrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const walk = (d: string) => {
    chmodSync(d, 0o700);
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) chmodSync(path, 0o600);
    }
  };
  if (existsSync(dir)) walk(dir);
}
