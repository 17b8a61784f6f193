// A real Redis Sentinel set-up on loopback, for tests: a primary and a replica (both with a data password,
// append-only) and three sentinels (`redis-server <conf> --sentinel`, with a password of their own) that fail over
// after one second of silence.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

export const SENTINEL_NAME = 'llrecon-primary';

export interface TestSentinels {
  /** The data nodes, primary first (as started: after a failover the replica is the primary). */
  nodes: EmbeddedRedis[];
  sentinelPorts: number[];
  /** REDIS_SENTINELS. */
  sentinelList: string;
  dataPassword: string;
  sentinelPassword: string;
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  /** Waits until the sentinels name a primary on another port than `port` (a failover is over). */
  waitForPrimaryOtherThan(port: number, ms?: number): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sentinelConf(port: number, primaryPort: number, dir: string, dataPassword: string, sentinelPassword: string): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir "${dir}"`,
    `requirepass "${sentinelPassword}"`,
    `sentinel sentinel-pass "${sentinelPassword}"`,
    `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
    `sentinel auth-pass ${SENTINEL_NAME} "${dataPassword}"`,
    `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
    `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
    `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
    '',
  ].join('\n');
}

export async function startSentinels(): Promise<TestSentinels> {
  const root = mkdtempSync(join(tmpdir(), 'llrecon-sentinel-'));
  const dataPassword = `data-${Math.random().toString(36).slice(2)}`;
  const sentinelPassword = `sentinel-${Math.random().toString(36).slice(2)}`;
  const primary = await startRedisServer({ dir: join(root, 'primary'), password: dataPassword, extraArgs: ['--masterauth', dataPassword] });
  const replica = await startRedisServer({
    dir: join(root, 'replica'),
    password: dataPassword,
    extraArgs: ['--masterauth', dataPassword, '--replicaof', '127.0.0.1', String(primary.port)],
  });
  const nodes = [primary, replica];
  const procs: ChildProcess[] = [];
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const dir = join(root, `sentinel-${i}`);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, sentinelConf(port, primary.port, dir, dataPassword, sentinelPassword));
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    child.on('error', () => undefined);
    procs.push(child);
    sentinelPorts.push(port);
  }
  const ask = async <T>(port: number, ...args: string[]): Promise<T> => {
    const r = new Redis({
      port,
      host: '127.0.0.1',
      password: sentinelPassword,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.call('SENTINEL', ...args)) as T;
    } finally {
      r.disconnect();
    }
  };
  const primaryPort = async (): Promise<number> => {
    for (const port of sentinelPorts) {
      const addr = await ask<[string, string] | null>(port, 'get-master-addr-by-name', SENTINEL_NAME).catch(() => null);
      if (addr) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  };
  // ready once every sentinel knows the replica and the two other sentinels (a failover can then be agreed on)
  const until = Date.now() + 30_000;
  for (;;) {
    const ready = await Promise.all(
      sentinelPorts.map(async (port) => {
        const replicas = await ask<unknown[]>(port, 'replicas', SENTINEL_NAME).catch(() => []);
        const others = await ask<unknown[]>(port, 'sentinels', SENTINEL_NAME).catch(() => []);
        return replicas.length === 1 && others.length === 2;
      }),
    );
    // and the replica in sync (a sentinel re-pointing it at start-up can start a second full sync)
    const probe = new Redis({ port: primary.port, host: '127.0.0.1', password: dataPassword, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const info = await probe.info('replication').catch(() => '');
    probe.disconnect();
    if (ready.every(Boolean) && /slave0:.*state=online/.test(info)) break;
    if (Date.now() > until) throw new Error('the sentinels did not see each other and the replica within 30 s');
    await sleep(200);
  }
  return {
    nodes,
    sentinelPorts,
    sentinelList: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    dataPassword,
    sentinelPassword,
    primaryPort,
    async waitForPrimaryOtherThan(port, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const now = await primaryPort().catch(() => port);
        if (now !== port) return now;
        if (Date.now() > end) throw new Error(`no failover from port ${port} within ${ms} ms`);
        await sleep(100);
      }
    },
    async stop() {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
