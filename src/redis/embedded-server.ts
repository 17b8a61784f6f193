// Starts and stops a local `redis-server` process: the daemon's embedded Redis (REDIS_URL unset) and the
// test suite's. Persistence follows interface.md: append-only, fsync every second, no eviction.
// The server lives and dies with the process that started it, and with nothing else:
//   - it runs in a process group of its own, so that a signal to ours (Ctrl-C in a terminal, `timeout`, a service
//     manager signalling the group) reaches only us: we stop it ourselves, after our workers, instead of it dying
//     first under workers that still need it;
//   - a watchdog (`sh`, in the server's group) holds a pipe from us and stops the server when that pipe closes,
//     i.e. when we are gone however we went (kill -9 included);
//   - its pid file in the data directory lets the next start find a server a previous run left (embedded-dir.ts).
// A password is handed over on stdin (`redis-server -` reads its configuration there), never on the command line
// where `ps` shows it to every user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { LlreconError } from '../errors.js';
import { PIDFILE, clearOwner, makePrivate, takeOverDataDir, writeOwner } from './embedded-dir.js';

export const REDIS_INSTALL_HELP =
  'redis-server was not found on PATH. llrecon needs Redis: either install it (Debian/Ubuntu: `sudo apt-get install ' +
  'redis-server`; macOS: `brew install redis`) so that llrecon can start its own on a free loopback port, or point ' +
  'REDIS_URL at a Redis you run (redis://host:6379), configured with `maxmemory-policy noeviction` and append-only ' +
  'persistence.';

export interface EmbeddedRedisOptions {
  /** Data directory (AOF files). Created when missing. */
  dir: string;
  /** Port to listen on; a free loopback port when omitted. */
  port?: number;
  /** Append-only persistence (default true). */
  appendOnly?: boolean;
  /** Extra `--name value` arguments. */
  extraArgs?: string[];
  /** `requirepass`: clients must authenticate; the URL carries it (`redis://:<password>@127.0.0.1:<port>`). */
  password?: string;
  /** The data directory and every file the server writes in it (append-only files included) for this user only. */
  privateFiles?: boolean;
}

export interface EmbeddedRedis {
  /** With the password, when there is one: mask it before showing it. */
  url: string;
  port: number;
  process: ChildProcess;
  /** The pid of a server a previous run left on the data directory, stopped before this one started; or null. */
  stoppedPrevious: number | null;
  /** Graceful shutdown (SHUTDOWN, then SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** RESP for one command. */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Whether a redis-server answers PING on the port (after AUTH when there is a password), loaded and serving. */
function answers(port: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    const replies = password === undefined ? 1 : 2;
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write((password === undefined ? '' : command('AUTH', password)) + command('PING')));
    s.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\r\n');
      if (lines.length > replies) done(lines[replies - 1]!.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A value in redis.conf syntax: double-quoted, backslashes and quotes escaped. */
function confValue(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/**
 * Starts the watchdog: `sh` reading a pipe from this process; when the pipe closes (we exited, however), it sends
 * SIGTERM to the server. It does not keep this process alive.
 */
function startWatchdog(serverPid: number): ChildProcess {
  const watchdog = spawn('/bin/sh', ['-c', 'read _ ; kill -TERM "$1" 2>/dev/null', 'llrecon-redis-watchdog', String(serverPid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined); // no sh: the pid file still lets the next start stop an orphan
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return watchdog;
}

/** Spawns redis-server; with `privateFiles`, under umask 077 (inherited at exec), so that what it creates is ours only. */
function spawnServer(args: string[], privateFiles: boolean): ChildProcess {
  const previous = privateFiles ? process.umask(0o077) : null;
  try {
    return spawn('redis-server', ['-', ...args], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  } finally {
    if (previous !== null) process.umask(previous);
  }
}

export async function startRedisServer(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  if (!redisServerAvailable()) throw new LlreconError('LLRECON_REDIS_NOT_FOUND', REDIS_INSTALL_HELP);
  if (opts.privateFiles === true) makePrivate(opts.dir);
  else mkdirSync(opts.dir, { recursive: true });
  const { stoppedPid } = await takeOverDataDir(opts.dir);
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    opts.dir,
    '--pidfile',
    join(opts.dir, PIDFILE),
    '--save',
    '',
    '--appendonly',
    opts.appendOnly === false ? 'no' : 'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawnServer(args, opts.privateFiles === true);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(opts.password === undefined ? '' : `requirepass ${confValue(opts.password)}\n`);
  writeOwner(opts.dir);
  const watchdog = child.pid === undefined ? null : startWatchdog(child.pid);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      watchdog?.kill('SIGKILL');
      clearOwner(opts.dir);
      resolve();
    }),
  );
  child.once('error', () => undefined); // a failed spawn also exits: reported below
  const deadline = Date.now() + 15_000;
  while (!(await answers(port, opts.password))) {
    if (exited) throw new LlreconError('LLRECON_CONFIG', `redis-server exited at start: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LlreconError('LLRECON_CONFIG', `redis-server did not answer on port ${port} within 15 s`);
    }
    await sleep(25);
  }
  const waitExit = async (ms: number) => Promise.race([exit.then(() => true), sleep(ms).then(() => exited)]);
  const auth = opts.password === undefined ? '' : `:${encodeURIComponent(opts.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    process: child,
    stoppedPrevious: stoppedPid,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM'); // redis-server treats SIGTERM as SHUTDOWN (and fsyncs the AOF)
      if (!(await waitExit(10_000))) {
        child.kill('SIGKILL');
        await exit;
      }
    },
    async kill() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** File beside the embedded Redis data telling CLI commands where the daemon's Redis listens. */
export function redisUrlFile(dataDir: string): string {
  return join(dataDir, 'redis.url');
}
