// Starting query/notify worker processes (test/support/worker-process.ts) against a test stack's Redis and
// simulator, as separate OS processes that tests can SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { testLogDir } from './log-capture.js';
import type { Stack } from './stack.js';

const live = new Set<ChildProcess>();

/** Start a worker process; resolves once its engine runs. `env` overrides the defaults (ROLES, POLL_SCHEDULE …). */
export function spawnWorker(stack: Stack, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    env: {
      ...process.env,
      LLRECON_TEST_LOG_DIR: testLogDir(),
      LIANLIAN_ENV: 'sandbox',
      REDIS_URL: stack.config.redisUrl as string,
      REDIS_PREFIX: stack.prefix,
      LIANLIAN_OID_PARTNER: stack.oidPartner,
      LIANLIAN_PRIVATE_KEY: stack.merchantKeyPem,
      LIANLIAN_PUBLIC_KEY: stack.lianlianPublicPem,
      LIANLIAN_QUERY_URL: stack.simulator.queryUrl,
      ROLES: 'query,notify',
      QUERY_CONCURRENCY: '16',
      QUERY_TIMEOUT: '2s',
      LOG_LEVEL: 'silent',
      TEST_LOCK_MS: '1000',
      DATA_DIR: stack.config.dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited before it was ready (${code})`)));
  });
}

/** SIGKILL every worker process still running (afterAll). */
export function killAllWorkers(): void {
  for (const c of live) c.kill('SIGKILL');
}
