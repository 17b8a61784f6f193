// Settlement reconciliation in a running llrecon: imports asked for (the API's upload, the CLI), and — in one `query`
// process at a time, the holder of a Redis lease — the watch of SETTLEMENT_DIR, the daily SFTP fetch after 09:00
// UTC+8 and the re-judging of `not_captured` rows once their confirming query has answered.
//
// The watch polls the directory (every second): a settlement-named file is imported once its size and modification
// time have not changed for STABLE_MS (a copy still being written keeps growing); a file renamed into place is
// therefore imported STABLE_MS after it appears. Dot-files (the SFTP fetch's temporary names) are ignored.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { LlreconError } from '../errors.js';
import { isSettlementFileName, parseSettlementFileName } from '../lianlian/settlement/file-name.js';
import { LIANLIAN_ZONE } from '../lianlian/time.js';
import { callScript } from '../store/scripts/script.js';
import { SETTLE_LEASE, SETTLE_RELEASE } from '../store/scripts/settlement.js';
import type { SettlementDeps } from './deps.js';
import { importSettlementFile, type ImportOptions, type ImportResult } from './import.js';
import { rejudgePending } from './rejudge.js';
import { fetchSettlementFiles, type SftpFetchResult } from './sftp-fetch.js';

/** How long a file's size and time must stay the same before it is read. */
export const STABLE_MS = 3_000;
const TICK_MS = 1_000;
const LEASE_MS = 30_000;
/** After a failed daily fetch, or one that found nothing new, the next try. */
const FETCH_RETRY_MS = 10 * 60_000;
/** LianLian publishes at 09:00 UTC+8. */
const PUBLISH_HOUR = 9;
/** The largest upload accepted (a monthly file of a million rows is ~250 MB). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

export type SettlementSettings = Pick<
  Config,
  'settlementDir' | 'settlementSftpUrl' | 'settlementSftpKeyFile' | 'settlementSftpPassword' | 'settlementSftpHostKey' | 'dataDir'
>;

export interface FetchOutcome extends SftpFetchResult {
  imported: ImportResult[];
  refused: { file: string; error: string }[];
}

export class SettlementService {
  private readonly token = randomBytes(12).toString('hex');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  /** name → `size:mtime` last seen, and since when unchanged. */
  private readonly seen = new Map<string, { stamp: string; since: number }>();
  /** name → `size:mtime` already imported (or refused) by this process. */
  private readonly handled = new Map<string, string>();
  private nextFetchAt = 0;

  constructor(
    readonly deps: SettlementDeps,
    private readonly settings: SettlementSettings,
  ) {}

  /** Where files land: SETTLEMENT_DIR, else (for the SFTP fetch) DATA_DIR/settlement. */
  get directory(): string | null {
    return this.settings.settlementDir ?? (this.settings.settlementSftpUrl ? join(this.settings.dataDir, 'settlement') : null);
  }

  importFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
    return importSettlementFile(this.deps, path, options);
  }

  /** Imports an uploaded file (streamed to a private temporary file first: the import reads it several times). */
  async importUpload(body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream, name: string): Promise<ImportResult> {
    parseSettlementFileName(name);
    const dir = await mkdtemp(join(tmpdir(), 'llrecon-upload-'));
    try {
      const path = join(dir, name);
      let bytes = 0;
      await pipeline(
        body as NodeJS.ReadableStream,
        async function* (source: AsyncIterable<Buffer | string>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > MAX_UPLOAD_BYTES)
              throw new LlreconError('LLRECON_BODY_TOO_LARGE', `a settlement file of at most ${MAX_UPLOAD_BYTES} bytes`);
            yield chunk;
          }
        },
        createWriteStream(path, { mode: 0o600 }),
      );
      return await importSettlementFile(this.deps, path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Fetches the files over SFTP now and imports the new or changed ones. */
  async fetchNow(): Promise<FetchOutcome> {
    const s = this.settings;
    const dir = this.directory;
    if (!s.settlementSftpUrl || !s.settlementSftpHostKey || dir === null)
      throw new LlreconError('LLRECON_CONFIG', 'SETTLEMENT_SFTP_URL and SETTLEMENT_SFTP_HOST_KEY: set them to fetch settlement files', {
        field: 'SETTLEMENT_SFTP_URL',
      });
    await mkdir(dir, { recursive: true });
    const result = await fetchSettlementFiles({
      url: s.settlementSftpUrl,
      hostKey: s.settlementSftpHostKey,
      ...(s.settlementSftpKeyFile ? { privateKeyFile: s.settlementSftpKeyFile } : {}),
      ...(s.settlementSftpPassword ? { password: s.settlementSftpPassword } : {}),
      targetDir: dir,
      wanted: (f) => f.oid_partner === this.deps.oidPartner,
    });
    const outcome: FetchOutcome = { ...result, imported: [], refused: [] };
    for (const name of result.downloaded.sort(byKind)) {
      try {
        outcome.imported.push(await this.importFile(join(dir, name)));
      } catch (err) {
        if (!(err instanceof LlreconError)) throw err;
        outcome.refused.push({ file: name, error: err.message });
        this.deps.log.error({ file: name, err: err.message }, 'settlement file refused');
      }
    }
    return outcome;
  }

  /** Starts the watch, the daily fetch and the re-judging (while this process holds the lease). */
  start(): void {
    if (this.timer !== null || this.closed) return;
    const loop = () => {
      if (this.closed || this.running !== null) return;
      this.running = this.tick()
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'settlement: watch round failed'))
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(loop, TICK_MS);
    this.timer.unref();
    loop();
  }

  /** One round: renew the lease; if held, re-judge, fetch when due, import stable files. */
  async tick(): Promise<void> {
    const { redis, keys } = this.deps;
    const held = (await callScript(redis, SETTLE_LEASE, [keys.lease], [this.token, LEASE_MS])) === 1;
    if (!held) return;
    await rejudgePending(this.deps);
    const last = await redis.zrevrange(keys.files, 0, 0, 'WITHSCORES');
    if (last[1] !== undefined) this.deps.metrics?.setLastFile(Number(last[1]));
    if (this.settings.settlementSftpUrl && this.settings.settlementSftpHostKey) await this.dailyFetch();
    await this.watch();
  }

  private async dailyFetch(): Promise<void> {
    const now = this.deps.now();
    const local = DateTime.fromMillis(now, { zone: LIANLIAN_ZONE });
    if (local.hour < PUBLISH_HOUR || now < this.nextFetchAt) return;
    const today = local.toFormat('yyyyMMdd');
    if ((await this.deps.redis.get(this.deps.keys.fetched)) === today) return;
    try {
      const r = await this.fetchNow();
      // nothing new yet (LianLian late, or a listing before its 09:00 run): look again later today
      if (r.downloaded.length === 0) this.nextFetchAt = now + FETCH_RETRY_MS;
      else await this.deps.redis.set(this.deps.keys.fetched, today);
      this.deps.log.info(
        { downloaded: r.downloaded.length, imported: r.imported.length, refused: r.refused.length },
        'settlement: daily SFTP fetch',
      );
    } catch (err) {
      this.nextFetchAt = now + FETCH_RETRY_MS;
      this.deps.log.error({ err: (err as Error).message }, 'settlement: SFTP fetch failed; trying again in 10 minutes');
    }
  }

  private async watch(): Promise<void> {
    const dir = this.directory;
    if (dir === null) return;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const now = Date.now();
    for (const name of names.filter((n) => isSettlementFileName(n)).sort(byKind)) {
      if (this.closed) return;
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (st === null || !st.isFile()) continue;
      const stamp = `${st.size}:${st.mtimeMs}`;
      const seen = this.seen.get(name);
      if (seen?.stamp !== stamp) {
        this.seen.set(name, { stamp, since: now });
        continue;
      }
      if (now - seen.since < STABLE_MS || this.handled.get(name) === stamp) continue;
      this.handled.set(name, stamp);
      try {
        const r = await this.importFile(path);
        if (r.status !== 'unchanged')
          this.deps.log.info({ file: name, status: r.status, rows: r.rows }, 'settlement: file from SETTLEMENT_DIR');
      } catch (err) {
        if (!(err instanceof LlreconError)) throw err;
        this.deps.log.error({ file: name, err: err.message }, 'settlement file refused');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await callScript(this.deps.redis, SETTLE_RELEASE, [this.deps.keys.lease], [this.token]).catch(() => undefined);
  }
}

/** Daily files before monthly ones before summaries, then by name: a summary is compared with its day's file. */
function byKind(a: string, b: string): number {
  const rank = (n: string) => (n.startsWith('JYMXSUM_') ? 2 : /_\d{6}\.txt$/.test(n) ? 1 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
