// Vitest global setup: when REDIS_URL is unset, start a real redis-server on a free loopback port for the
// whole run, and stop it after. Test files isolate themselves with their own key prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisServer, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

let server: EmbeddedRedis | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
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
  }
}
