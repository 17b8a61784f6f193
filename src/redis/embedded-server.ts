// Starts and stops a local `redis-server` process: the daemon's embedded Redis (REDIS_URL unset) and the
// test suite's. Persistence follows interface.md: append-only, fsync every second, no eviction.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { LlreconError } from '../errors.js';

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
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  process: ChildProcess;
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

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRedisServer(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  if (!redisServerAvailable()) throw new LlreconError('LLRECON_REDIS_NOT_FOUND', REDIS_INSTALL_HELP);
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    opts.dir,
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
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 15_000;
  while (!(await ping(port))) {
    if (exited) throw new LlreconError('LLRECON_CONFIG', `redis-server exited at start: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new LlreconError('LLRECON_CONFIG', `redis-server did not answer on port ${port} within 15 s`);
    }
    await sleep(25);
  }
  const waitExit = async (ms: number) => Promise.race([exit.then(() => true), sleep(ms).then(() => exited)]);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
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
