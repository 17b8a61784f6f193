// Closing what a CLI command opened: no stray `write EPIPE` warning. The operator commands open a client and a
// queue connection; closing them while BullMQ was still reading INFO on the queue connection (it does once the
// connection is ready) let the server close the socket under that read, and ioredis logged the EPIPE.
// And when no daemon's Redis is found (a command run from another directory), the error says how to point at it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { openOps } from '../src/cli/ops.js';
import { loadConfig } from '../src/config.js';
import { runCli } from './support/cli.js';

afterEach(() => vi.restoreAllMocks());

describe('openOps().close()', () => {
  it('closes its connections without a connection error, however early it is called', async () => {
    const config = loadConfig(
      {
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
        LIANLIAN_OID_PARTNER: '201408071000001543',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-close-')),
        LOG_LEVEL: 'warn',
      },
      { cwd: tmpdir() },
    );
    // the ops logger writes warnings (a connection error is one) to stderr
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    for (let i = 0; i < 30; i++) {
      const ops = await openOps(config);
      await ops.store.get('NO-SUCH-ORDER'); // as `llrecon status` does, then closes
      await ops.close();
    }
    await new Promise((r) => setTimeout(r, 200)); // an error would come after the close
    expect(written.join('')).not.toMatch(/EPIPE|redis connection error/);
  }, 60_000);
});

describe('a command that finds no Redis', () => {
  it("names the URL file it looked for and says how to point at the daemon's data directory or a Redis", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llr-nodaemon-'));
    const r = await runCli(['status', 'X1'], { DATA_DIR: dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dataDir, 'redis.url'));
    expect(r.stderr).toContain("set DATA_DIR to the daemon's data directory");
    expect(r.stderr).toContain('REDIS_URL');
  });
});
