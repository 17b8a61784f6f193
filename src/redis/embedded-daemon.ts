// The daemon's embedded Redis (REDIS_URL unset: the sandbox, or production with REDIS_EMBEDDED=true): a
// redis-server under DATA_DIR/redis that only this OS user can read — its directory 0700, its files (append-only
// files included) 0600 — and that asks for a password, generated once and kept in DATA_DIR/redis.password (0600).
// The URL, password included, is written to DATA_DIR/redis.url (0600) while it runs, for the CLI commands.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskUrl } from '../config/mask.js';
import type { Logger } from '../log.js';
import { redisUrlFile, startRedisServer, type EmbeddedRedis } from './embedded-server.js';

/** The file holding the embedded Redis's password. */
export function redisPasswordFile(dataDir: string): string {
  return join(dataDir, 'redis.password');
}

/** The data directory of the embedded Redis. */
export function embeddedRedisDir(dataDir: string): string {
  return join(dataDir, 'redis');
}

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600); // also when the file was there before, with other modes
}

/** The password kept in DATA_DIR, made on first use. */
function passwordFor(dataDir: string): string {
  const file = redisPasswordFile(dataDir);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return kept;
  }
  const password = randomBytes(24).toString('base64url');
  writePrivate(file, `${password}\n`);
  return password;
}

/** The embedded Redis, started; `stop()` also removes the URL file. */
export async function startEmbeddedRedis(dataDir: string, log: Logger): Promise<EmbeddedRedis> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = embeddedRedisDir(dataDir);
  const server = await startRedisServer({ dir, password: passwordFor(dataDir), privateFiles: true });
  if (server.stoppedPrevious !== null)
    log.warn(
      { pid: server.stoppedPrevious, dir },
      `stopped the redis-server (pid ${server.stoppedPrevious}) that a previous run left on ${dir}, then started this one`,
    );
  writePrivate(redisUrlFile(dataDir), `${server.url}\n`);
  log.info(
    { url: maskUrl(server.url), dir, pid: server.process.pid },
    'embedded redis-server started (append-only, noeviction, password in redis.password)',
  );
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(redisUrlFile(dataDir), { force: true });
    },
  };
}
