// The data-format version of what llrecon keeps in Redis (`<base>:meta`, field `format`), checked by every process
// at start-up (engine.start) before it takes any work:
//   - no meta key on an empty Redis: the first process writes DATA_FORMAT (HSETNX: a race writes it once);
//   - no meta key beside llrecon's data: an llrecon from before the version existed wrote it, which is format 1;
//   - a newer format than this code knows: refuse to start (LLRECON_DATA_FORMAT), changing nothing — an older
//     llrecon must never write into a layout it does not understand (a downgrade needs the backup from before);
//   - an older format: run the registered migrations (./migrations) in order. One process migrates, holding a lease
//     (`<base>:meta:lease`, renewed while it works); the others wait until the format is current, and take over if
//     the lease lapses (a migrating process that died). `format` advances after each step, so a crash re-runs only
//     the step it interrupted, which is idempotent.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LlreconError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Keyspace, StoreConn } from './keyspace.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** The data format this code reads and writes. Raised by one with each migration (see migrations/index.ts). */
export const DATA_FORMAT = 1;
/** The format of data written before llrecon kept a version: today's layout. */
export const UNVERSIONED_FORMAT = 1;

const LEASE_MS = 30_000;
const WAIT_POLL_MS = 250;
const WAIT_LOG_EVERY_MS = 10_000;

/**
 * Reads the format, or writes it when there is none: the stored one; else UNVERSIONED_FORMAT when any key that
 * llrecon's own writes leave behind exists (BullMQ's are not looked at: queues write theirs before this check
 * runs); else the current one. KEYS[1] meta, KEYS[2..] those markers; ARGV: current, unversioned, now (ms).
 * @returns [format as text, 'stored' | 'unversioned' | 'new']
 */
const INIT_FORMAT = `
local f = redis.call('HGET', KEYS[1], 'format')
if f then return {f, 'stored'} end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[1], 'format', ARGV[2], 'created_at', ARGV[3])
    return {ARGV[2], 'unversioned'}
  end
end
redis.call('HSET', KEYS[1], 'format', ARGV[1], 'created_at', ARGV[3])
return {ARGV[1], 'new'}
`;

/** Extends the lease when `owner` still holds it. @returns 1 held and extended, 0 lost. */
const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** Sets `format` to ARGV[2] only while `owner` holds the lease: a step that lost it writes nothing. */
const ADVANCE_FORMAT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'format', ARGV[2], 'migrated_at', ARGV[3])
return 1
`;

const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Keys whose presence shows data of an llrecon that kept no version (checked only when `meta` is missing). */
function markerKeys(ks: Keyspace): string[] {
  return [
    ks.allOrders,
    ks.untrackedOrders,
    ks.events,
    ks.sessions,
    ks.rejectedCallbacks,
    ks.untrackedCallbacks,
    ks.settlement('files'),
    ks.actions('open'),
  ];
}

export interface DataFormatOptions {
  log: Logger;
  /** The format this code writes (tests give a later one, with their own migrations). */
  current?: number;
  migrations?: readonly Migration[];
  leaseMs?: number;
  /** How often a waiting process looks again. */
  pollMs?: number;
  now?: () => number;
  signal?: AbortSignal;
}

export interface DataFormatResult {
  /** The format the data is in now (the current one). */
  format: number;
  /** What was found: a stored format, llrecon data without one, or nothing (this process wrote the current one). */
  found: 'stored' | 'unversioned' | 'new';
  /** The steps this process ran (each step's `from`); empty when another process migrated, or nothing was to do. */
  migrated: number[];
}

function parseFormat(text: string | null, where: string): number {
  const n = Number(text);
  if (text === null || !/^[1-9][0-9]{0,8}$/.test(text) || !Number.isSafeInteger(n))
    throw new LlreconError('LLRECON_DATA_FORMAT', `${where}: the stored data format ${JSON.stringify(text)} is not a version number`);
  return n;
}

function newerError(found: number, current: number, ks: Keyspace): LlreconError {
  return new LlreconError(
    'LLRECON_DATA_FORMAT',
    `the data in Redis (${ks.meta}) is in format ${found}, newer than this llrecon's format ${current}: ` +
      'a newer llrecon wrote it; run that version (or restore the backup taken before the upgrade), never an older one over it',
  );
}

/** The stored format, or null when none is stored (an empty Redis, or data from before versions). Writes nothing. */
export async function readDataFormat({ redis, ks }: StoreConn): Promise<number | null> {
  const text = await redis.hget(ks.meta, 'format');
  return text === null ? null : parseFormat(text, ks.meta);
}

/**
 * Refuses a format newer than `current` (without writing anything): for readers such as `llrecon export`, which do
 * not migrate. @returns the stored format, or null when none is stored
 */
export async function assertReadableFormat(conn: StoreConn, current = DATA_FORMAT): Promise<number | null> {
  const found = await readDataFormat(conn);
  if (found !== null && found > current) throw newerError(found, current, conn.ks);
  return found;
}

function checkChain(migrations: readonly Migration[], current: number): void {
  const expected = current - migrations.length;
  migrations.forEach((m, i) => {
    if (m.from !== expected + i)
      throw new LlreconError(
        'LLRECON_INTERNAL',
        `migration ${i} reads format ${m.from}, expected ${expected + i}: the list is out of order`,
      );
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Makes sure the data is in the current format before this process works on it (see the head of this file).
 * Throws LLRECON_DATA_FORMAT for a newer or unreadable format, or a format older than any migration reaches.
 */
export async function ensureDataFormat(conn: StoreConn, opts: DataFormatOptions): Promise<DataFormatResult> {
  const { redis, ks } = conn;
  const current = opts.current ?? DATA_FORMAT;
  const migrations = opts.migrations ?? MIGRATIONS;
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const now = opts.now ?? Date.now;
  const { log } = opts;
  checkChain(migrations, current);
  const oldest = current - migrations.length;

  const [text, how] = (await redis.eval(
    INIT_FORMAT,
    1 + markerKeys(ks).length,
    ks.meta,
    ...markerKeys(ks),
    current,
    UNVERSIONED_FORMAT,
    now(),
  )) as [string, DataFormatResult['found']];
  let format = parseFormat(text, ks.meta);
  if (how !== 'stored')
    log.info(
      { format, found: how },
      `data format ${format} recorded (${how === 'new' ? 'empty Redis' : 'existing data without a version'})`,
    );
  if (format > current) throw newerError(format, current, ks);
  const migrated: number[] = [];
  if (format === current) return { format, found: how, migrated };
  if (format < oldest)
    throw new LlreconError(
      'LLRECON_DATA_FORMAT',
      `the data in Redis (${ks.meta}) is in format ${format}, older than this llrecon migrates from (${oldest}): upgrade through an intermediate release first`,
    );

  const owner = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  let lastWaitLog = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    format = parseFormat(await redis.hget(ks.meta, 'format'), ks.meta);
    if (format > current) throw newerError(format, current, ks);
    if (format === current) return { format, found: how, migrated };
    if ((await redis.set(ks.metaLease, owner, 'PX', leaseMs, 'NX')) === 'OK') {
      const run: StepRun = { log, owner, leaseMs, now, migrations, oldest, current, migrated, lost: false };
      try {
        await runSteps(conn, run);
      } catch (err) {
        // a lapsed lease: another process may be migrating now; wait for it like any other process
        if (!run.lost) throw err;
        log.warn({ err: (err as Error).message }, 'data format: migration lease lost; waiting');
      } finally {
        await redis.eval(RELEASE_LEASE, 1, ks.metaLease, owner).catch(() => undefined);
      }
      continue; // read the result back like a waiting process would
    }
    if (now() - lastWaitLog >= WAIT_LOG_EVERY_MS) {
      lastWaitLog = now();
      log.info({ format, current, holder: await redis.get(ks.metaLease) }, 'data format: waiting for another process to migrate');
    }
    await sleep(opts.pollMs ?? WAIT_POLL_MS, opts.signal);
  }
}

interface StepRun {
  log: Logger;
  owner: string;
  leaseMs: number;
  now: () => number;
  migrations: readonly Migration[];
  oldest: number;
  current: number;
  migrated: number[];
  /** Set once the lease is known lost. */
  lost: boolean;
}

/** Runs the steps from the stored format up to the current one, holding the lease (renewed on a timer and on ask). */
async function runSteps(conn: StoreConn, run: StepRun): Promise<void> {
  const { redis, ks } = conn;
  const keepLease = async () => {
    if (run.lost || (await redis.eval(RENEW_LEASE, 1, ks.metaLease, run.owner, run.leaseMs)) !== 1) {
      run.lost = true;
      throw new LlreconError(
        'LLRECON_DATA_FORMAT',
        'data format: the migration lease was lost (this process stalled past it); another process takes over',
      );
    }
  };
  const timer = setInterval(() => void keepLease().catch(() => undefined), Math.max(50, Math.floor(run.leaseMs / 3)));
  timer.unref();
  try {
    for (;;) {
      const format = parseFormat(await redis.hget(ks.meta, 'format'), ks.meta);
      if (format >= run.current) return;
      const step = run.migrations[format - run.oldest] as Migration;
      const started = run.now();
      run.log.warn(
        { from: format, to: format + 1, step: step.description },
        `data format: migrating ${format} → ${format + 1}: ${step.description}`,
      );
      await step.up({ redis, ks, log: run.log, keepLease });
      if ((await redis.eval(ADVANCE_FORMAT, 2, ks.meta, ks.metaLease, run.owner, format + 1, run.now())) !== 1) {
        run.lost = true;
        throw new LlreconError(
          'LLRECON_DATA_FORMAT',
          `data format: the migration lease was lost during step ${format} → ${format + 1}; another process takes over`,
        );
      }
      run.migrated.push(format);
      run.log.warn({ from: format, to: format + 1, ms: run.now() - started }, `data format: now ${format + 1}`);
    }
  } finally {
    clearInterval(timer);
  }
}
