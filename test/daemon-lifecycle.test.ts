// Stopping a daemon that runs the embedded Redis, as people stop it: real `llrecon start` processes and signals.
//   - A signal to the daemon's whole process group (Ctrl-C in a terminal, `timeout`, a service manager) reaches only
//     the daemon (redis-server runs in a group of its own): it stops its workers, then Redis, and exits 0.
//   - kill -9 of the daemon does not orphan redis-server for long, and the next start runs one server, not two.
//   - A redis-server a previous run left on the data directory is stopped before a new one starts; a live daemon's
//     is never touched.
//   - SIGTERM stops the daemon within seconds even when its Redis is already gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PIDFILE, OWNERFILE, processAlive } from '../src/redis/embedded-dir.js';
import { freePort, startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { REPO_ROOT } from './support/repository-paths.js';
import { waitFor } from './support/stack.js';

interface Daemon {
  child: ChildProcess;
  port: number;
  dataDir: string;
  output(): string;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
const servers: EmbeddedRedis[] = [];
afterAll(async () => {
  for (const c of live) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

/**
 * `llrecon start` as the leader of a process group of its own, so that the test can signal the group as a terminal
 * does (test/support/launch.ts starts processes in the test's own group, which a group signal would hit).
 */
async function startDaemon(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'llr-life-'))): Promise<Daemon> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--demo-orders', '1'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return { child, port, dataDir, output: () => out, exited };
}

/** Ready, and started to the end (the banner is printed last). */
async function ready(d: Daemon): Promise<void> {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${d.port}/readyz`).catch(() => null))?.status === 200, 60_000, 100);
  await waitFor(() => d.output().includes(' — roles: '), 30_000);
}

function redisPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'redis', PIDFILE), 'utf8').trim());
}

/** Resolves with the exit code, or rejects when the process is still running after `ms`. */
async function exitWithin(d: Daemon, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running ${ms} ms after the signal\n${d.output()}`)), ms);
  });
  try {
    return await Promise.race([d.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the embedded Redis lives and dies with its daemon', () => {
  it('a SIGINT to the process group (Ctrl-C) stops the daemon, which stops Redis after its workers', async () => {
    const d = await startDaemon();
    await ready(d);
    const pid = redisPid(d.dataDir);
    expect(processAlive(pid)).toBe(true);
    process.kill(-d.child.pid!, 'SIGINT'); // the whole group, as a terminal does
    expect(await exitWithin(d, 20_000)).toBe(0);
    await waitFor(() => !processAlive(pid), 5_000);
    expect(existsSync(join(d.dataDir, 'redis.url'))).toBe(false);
    expect(d.output()).not.toMatch(/ECONNREFUSED|redis: cannot use/); // Redis was there until the workers stopped
  }, 90_000);

  it('kill -9 of the daemon: redis-server stops soon after, and the next start runs one server on the directory', async () => {
    const d = await startDaemon();
    await ready(d);
    const pid = redisPid(d.dataDir);
    d.child.kill('SIGKILL');
    await d.exited;
    await waitFor(() => !processAlive(pid), 10_000);

    const again = await startDaemon({}, d.dataDir);
    await ready(again);
    const second = redisPid(d.dataDir);
    expect(second).not.toBe(pid);
    again.child.kill('SIGTERM');
    expect(await exitWithin(again, 20_000)).toBe(0);
    await waitFor(() => !processAlive(second), 5_000);
  }, 120_000);

  it('stops a redis-server that a previous run left on the data directory before starting its own, and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llr-life-'));
    const dir = join(dataDir, 'redis');
    // what a daemon killed together with its watchdog leaves: a server holding the directory, its owner gone
    const left = await startRedisServer({ dir, appendOnly: true });
    servers.push(left);
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(join(dir, OWNERFILE), `${gone.pid}\n`);
    const leftPid = left.process.pid!;

    const d = await startDaemon({}, dataDir);
    await ready(d);
    expect(processAlive(leftPid)).toBe(false);
    expect(d.output()).toContain(`stopped the redis-server (pid ${leftPid}) that a previous run left on ${dir}`);
    expect(redisPid(dataDir)).not.toBe(leftPid);

    // a second daemon on the same directory is refused while the first runs; the first's Redis is untouched
    const second = await startDaemon({}, dataDir);
    expect(await exitWithin(second, 30_000)).toBe(2);
    expect(second.output()).toContain(`the embedded Redis in ${dir} is in use by process ${d.child.pid}`);
    await ready(d);
    d.child.kill('SIGTERM');
    expect(await exitWithin(d, 20_000)).toBe(0);
  }, 120_000);

  it('SIGTERM stops the daemon within seconds when its Redis is already gone', async () => {
    const server = await startRedisServer({ dir: mkdtempSync(join(tmpdir(), 'llr-life-redis-')), appendOnly: false });
    servers.push(server);
    const d = await startDaemon({ REDIS_URL: server.url });
    await ready(d);
    await server.kill();
    await waitFor(() => d.output().includes('redis: cannot use'), 15_000);
    d.child.kill('SIGTERM');
    expect(await exitWithin(d, 15_000)).toBe(0);
    // the lost connection is reported by the throttled warn line, not by every worker at every retry
    const floods = d
      .output()
      .split('\n')
      .filter((l) => l.includes('worker error') && l.includes('ECONNREFUSED'));
    expect(floods).toEqual([]);
  }, 90_000);
});
