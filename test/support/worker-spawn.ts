// Starting query/notify worker processes (test/support/worker-process.ts) against a test stack's Redis and
// simulator, as separate OS processes that tests can SIGKILL: the launcher's engine-worker variant.
import type { ChildProcess } from 'node:child_process';
import { killLaunched, launchTs } from './launch.js';
import { testLogDir } from './log-capture.js';
import type { Stack } from './stack.js';

/** Start a worker process; resolves once its engine runs. `env` overrides the defaults (ROLES, POLL_SCHEDULE …). */
export async function spawnWorker(stack: Stack, env: Record<string, string> = {}): Promise<ChildProcess> {
  const worker = launchTs(
    { script: 'test/support/worker-process.ts' },
    {
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
      input: null,
      stderr: 'inherit',
    },
  );
  await worker.waitForOutput('ready', 60_000);
  return worker.child;
}

/** SIGKILL every worker process still running (afterAll). */
export function killAllWorkers(): void {
  killLaunched();
}
