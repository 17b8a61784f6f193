// Vitest global setup: when REDIS_URL is unset, start a real redis-server on a free loopback port for the
// whole run, and stop it after. Test files isolate themselves with their own key prefix.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisServer, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

let server: EmbeddedRedis | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  // One log directory per test run (see test/support/log-capture.ts), named after this main process so that
  // every project's setup agrees on it; directories of runs over an hour old are removed (not newer ones: another
  // run may be going on in the same checkout).
  const root = join(process.cwd(), 'reports', 'logs');
  const logDir = join(root, `run-${process.pid}`);
  mkdirSync(root, { recursive: true });
  for (const old of readdirSync(root)) {
    const path = join(root, old);
    if (path !== logDir && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  mkdirSync(logDir, { recursive: true });
  project.provide('logDir', logDir);
  let url = process.env.REDIS_URL;
  if (!url) {
    dir = mkdtempSync(join(tmpdir(), 'llrecon-test-redis-'));
    server = await startRedisServer({ dir, appendOnly: false });
    url = server.url;
    process.env.REDIS_URL = url;
  }
  project.provide('redisUrl', url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    logDir: string;
  }
}
