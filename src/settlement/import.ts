// Importing one settlement file: the same bytes again change nothing; a file with the same name and other bytes (a
// corrected file) replaces the first — its rows are judged again, events only for verdicts new or changed, and rows
// it no longer has are uncounted; an import interrupted (a crash) is resumed by importing the file again: rows
// already written are recognised and not counted twice. The file is streamed in batches (never held whole): read
// once for its digest and encoding, once to check every line (a malformed file is refused before anything is
// written), once to judge and write its rows.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SettlementFileError } from '../lianlian/settlement/file-error.js';
import { parseSettlementFileName, type SettlementFileName } from '../lianlian/settlement/file-name.js';
import { Utf8Validator, type SettlementEncoding } from '../lianlian/settlement/encoding.js';
import type { FieldBounds } from '../lianlian/settlement/fast-line.js';
import { STATUS_SUCCESS, type DetailRow, type SummaryRow } from '../lianlian/settlement/fields.js';
import { DetailLineParser } from '../lianlian/settlement/parse-line.js';
import { addToTotals, emptyTotals, type SettlementResult, type SettlementTotals } from '../reconcile/settlement-match.js';
import { FINISH_FILE } from '../store/scripts/settlement.js';
import { callScript } from '../store/scripts/script.js';
import { readSettlementFile } from './read-file.js';
import { dropStaleRows, emptyTally } from './apply.js';
import { scannedCandidate, settleImportBatch, type ScannedCandidate } from './import-batch.js';
import type { SettlementDeps } from './deps.js';
import { processedEvent } from './events.js';
import { sweepMissing } from './missing.js';

/** Rows judged and written per round trip pair. */
const BATCH_ROWS = 500;
/** Batches judged and written at once. */
const IN_FLIGHT = 2;

export type ImportStatus = 'imported' | 'replaced' | 'resumed' | 'unchanged';

export interface ImportResult {
  file: string;
  kind: SettlementFileName['kind'];
  oid_partner: string;
  /** `yyyyMMdd` (daily, summary) or `yyyyMM` (monthly). */
  settle_date: string;
  status: ImportStatus;
  rows: number;
  encoding: SettlementEncoding;
  counts: Record<SettlementResult, number>;
  /** Orders given a confirming query (`not_captured`). */
  confirming: number;
}

export interface ImportOptions {
  /** The file's name when it is not the path's last part (an upload's X-Filename). */
  name?: string;
  /** Called as lines are read: done so far, and the file's line count. */
  onProgress?: (done: number, total: number) => void;
  /** Rows judged and written per round trip pair (default 500). */
  batchRows?: number;
  /** Batches judged and written at once (default 2). */
  inFlight?: number;
}

/** One pass over the bytes: their SHA-256, line count and whether they are all UTF-8 (encoding `auto`). */
async function firstPass(path: string): Promise<{ sha256: string; lines: number; utf8: boolean; bytes: number }> {
  const hash = createHash('sha256');
  const validator = new Utf8Validator();
  let utf8 = true;
  let lines = 0;
  let bytes = 0;
  let lastByte = 0x0a;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (utf8 && !validator.push(chunk)) utf8 = false;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines += 1;
    bytes += chunk.length;
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1] as number;
  }
  if (utf8 && !validator.end()) utf8 = false;
  if (lastByte !== 0x0a) lines += 1;
  return { sha256: hash.digest('hex'), lines, utf8, bytes };
}

function totalsJson(t: SettlementTotals): string {
  return JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Imports the settlement file at `path`.
 * @throws SettlementFileError (LLRECON_SETTLEMENT_FILE): refused whole, naming the line and column — or the name,
 *   or another merchant. Rows of a refused file already written by this import stay until the file is fixed and
 *   imported again (its corrected copy replaces them).
 */
export async function importSettlementFile(deps: SettlementDeps, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const name = options.name ?? basename(path);
  const file = parseSettlementFileName(name);
  if (file.oid_partner !== deps.oidPartner)
    throw new SettlementFileError(`"${name}" is merchant ${file.oid_partner}'s file; this llrecon serves ${deps.oidPartner}`, {
      column: 'filename',
    });
  const { redis, keys } = deps;
  const fileKey = keys.file(name);
  const settleDate = file.settle_date ?? file.settle_month;
  const pass = await firstPass(path);
  const stored = await redis.hgetall(fileKey);
  const encoding: SettlementEncoding = deps.encoding === 'auto' ? (pass.utf8 ? 'utf-8' : 'gbk') : deps.encoding;
  if (stored.status === 'done' && stored.sha256 === pass.sha256) {
    return {
      file: name,
      kind: file.kind,
      oid_partner: file.oid_partner,
      settle_date: settleDate,
      status: 'unchanged',
      rows: Number(stored.rows ?? 0),
      encoding: (stored.encoding as SettlementEncoding | undefined) ?? encoding,
      counts: JSON.parse(stored.counts ?? '{}') as Record<SettlementResult, number>,
      confirming: 0,
    };
  }
  // refused whole means nothing written: every line is read (and checked) before the first row is
  for await (const batch of readSettlementFile(path, { encoding, name, checkOnly: true })) if (batch.done) break;
  const resuming = stored.status === 'importing' && stored.sha256 === pass.sha256;
  const gen = resuming ? Number(stored.gen) : Number(stored.gen ?? 0) + 1;
  const status: ImportStatus = resuming ? 'resumed' : stored.gen === undefined ? 'imported' : 'replaced';
  const startedAt = deps.now();
  await redis.hset(fileKey, {
    name,
    kind: file.kind,
    oid_partner: file.oid_partner,
    settle_date: settleDate,
    sha256: pass.sha256,
    gen: String(gen),
    status: 'importing',
    bytes: String(pass.bytes),
    lines: String(pass.lines),
    started_at: String(startedAt),
  });
  await redis.zadd(keys.files, 'NX', startedAt, name);

  const tally = emptyTally();
  const totals = emptyTotals();
  let summary: SummaryRow | null = null;
  let rows = 0;
  let pending: DetailRow[] = [];
  // rows that may be `matched`, taken as their lines are scanned (no row object made: import-batch.ts)
  let scanned: ScannedCandidate[] = [];
  const batchRows = options.batchRows ?? BATCH_ROWS;
  const onScanned = (text: string, bounds: FieldBounds, line: number): boolean => {
    const c = scannedCandidate(text, bounds, line, deps.oidPartner);
    if (c === null) return false;
    if (file.kind === 'daily') addToTotals(totals, STATUS_SUCCESS, c.money);
    scanned.push(c);
    rows += 1;
    return true;
  };
  const rereader = new DetailLineParser(file.oid_partner);
  const rowOf = (c: ScannedCandidate): DetailRow => rereader.dataRow(c.text, c.line);
  const source = { name, gen };
  // a few batches in flight at once, so that the round trips overlap (each row is compare-and-set: two batches
  // touching one row retry rather than count it twice); `progress` is a line of the last batch written (for people)
  const inFlight: Promise<void>[] = [];
  let failure: { error: unknown } | null = null;
  // batches of batchRows (`all`: the last, shorter one too), a few in flight
  const flush = async (all: boolean) => {
    while (pending.length + scanned.length >= (all ? 1 : batchRows)) {
      const candidates = scanned.length <= batchRows ? scanned : scanned.slice(0, batchRows);
      scanned = candidates === scanned ? [] : scanned.slice(batchRows);
      const room = batchRows - candidates.length;
      const batch = pending.length <= room ? pending : pending.slice(0, room);
      pending = batch === pending ? [] : pending.slice(room);
      const lastLine = String(Math.max(candidates.at(-1)?.line ?? 0, batch.at(-1)?.line ?? 0));
      inFlight.push(
        settleImportBatch(deps, source, batch, tally, candidates, rowOf)
          .then(() => redis.hset(fileKey, 'progress', lastLine))
          .then(
            () => undefined,
            (error: unknown) => void (failure ??= { error }),
          ),
      );
      while (inFlight.length >= (options.inFlight ?? IN_FLIGHT)) await inFlight.shift();
      if (failure !== null) throw failure.error;
    }
  };
  try {
    for await (const batch of readSettlementFile(path, { encoding, name, ...(file.kind === 'summary' ? {} : { onScanned }) })) {
      for (const row of batch.details) {
        if (file.kind === 'daily') addToTotals(totals, row.transaction_status, row.money_order);
        pending.push(row);
        rows += 1;
      }
      for (const row of batch.summaries) {
        summary = row;
        rows += 1;
      }
      // full batches now; the last, shorter one once the file has ended
      await flush(batch.done);
      options.onProgress?.(Math.min(batch.lines, pass.lines), pass.lines);
    }
  } finally {
    // an interrupted import leaves no write running behind it (its rows are resumed by the next import)
    await Promise.all(inFlight);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  if (status === 'replaced') await dropStaleRows(deps, name, gen);
  if (file.kind === 'daily' && file.settle_date !== null) {
    const latest = await redis.get(keys.latest);
    if (latest === null || latest < file.settle_date) await redis.set(keys.latest, file.settle_date);
    await sweepMissing(deps, latest !== null && latest > file.settle_date ? latest : file.settle_date);
  }
  const at = deps.now();
  const event = processedEvent(
    { file: name, oid_partner: file.oid_partner, settle_date: settleDate, rows, counts: tally.counts },
    pass.sha256,
    at,
  );
  const fields: string[] = ['status', 'done', 'rows', String(rows), 'counts', JSON.stringify(tally.counts), 'encoding', encoding];
  fields.push('imported_at', String(at), 'progress', String(pass.lines));
  if (file.kind === 'daily') fields.push('totals', totalsJson(totals));
  if (summary !== null) fields.push('summary', JSON.stringify(summary));
  const finished = await callScript(
    redis,
    FINISH_FILE,
    [fileKey, keys.files, deps.ks.events],
    [name, at, String(gen), event.type, event.json, ...fields],
  );
  if (finished !== 1) deps.log.warn({ file: name }, 'settlement: another import of this file took over; its result stands');
  deps.metrics?.setLastFile(at);
  if (deps.confirm !== null) {
    for (const no of tally.confirm) {
      await deps
        .confirm(no)
        .catch((err: Error) => deps.log.warn({ no_order: no, err: err.message }, 'settlement: confirming query not queued'));
    }
  }
  deps.log.info({ file: name, status, rows, counts: tally.counts }, 'settlement file imported');
  return {
    file: name,
    kind: file.kind,
    oid_partner: file.oid_partner,
    settle_date: settleDate,
    status,
    rows,
    encoding,
    counts: tally.counts,
    confirming: tally.confirm.size,
  };
}
