// Reads a settlement file from disk or from a stream, in batches of rows, streamed: memory stays flat whatever the
// file's size (a monthly file may have a million rows). The parsing is src/lianlian/settlement (pure); this drives it.
//
// Encoding `auto` on a file: a first pass checks the bytes for UTF-8 (no parsing, at disk speed, stopping at the
// first non-UTF-8 byte) and the second pass reads every line in the decided encoding, so a non-UTF-8 byte on the last
// line still makes the first line GBK. On a stream that cannot be read twice, encoding.ts's bounded one-pass
// decision applies instead (a file that needs more is refused, never read in the wrong encoding).
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import {
  SettlementReader,
  Utf8Validator,
  parseSettlementFileName,
  type EncodingSetting,
  type SettlementEncoding,
  type SettlementFileName,
  type SettlementRows,
  type ScannedLineHandler,
} from '../lianlian/settlement/index.js';

const CHUNK_BYTES = 256 * 1024;

export interface ReadSettlementOptions {
  /** `auto` (default), `utf-8` or `gbk` (SETTLEMENT_ENCODING). */
  encoding?: EncodingSetting;
  /** The file's name when it is not the path's last part (an upload's `X-Filename`). */
  name?: string;
  /** Only check every line, giving no detail rows (SettlementReaderOptions.checkOnly). */
  checkOnly?: boolean;
  /** Offered each data line the fast scanner reads (SettlementReaderOptions.onScanned). */
  onScanned?: ScannedLineHandler;
}

/** Rows read from one chunk of the file (one batch per chunk, even when empty; the last is `done`). */
export interface SettlementBatch extends SettlementRows {
  file: SettlementFileName;
  /** The encoding decided so far: null only while a one-pass `auto` is undecided. */
  encoding: SettlementEncoding | null;
  /** Lines read so far, the header and blank lines included. */
  lines: number;
  /** Rows in this and the earlier batches. */
  rows: number;
  done: boolean;
}

/**
 * Reads a settlement file from disk. The name (`options.name` or the path's) must be a settlement file's.
 * @throws SettlementFileError (`LLRECON_SETTLEMENT_FILE`): the file is refused whole; rows already given must be
 *   discarded by the caller. Errors of the file system pass through.
 */
export async function* readSettlementFile(path: string, options: ReadSettlementOptions = {}): AsyncGenerator<SettlementBatch> {
  const file = parseSettlementFileName(options.name ?? basename(path));
  const setting = options.encoding ?? 'auto';
  const encoding = setting === 'auto' ? await detectFileEncoding(path) : setting;
  yield* drive(
    new SettlementReader({ file, encoding, checkOnly: options.checkOnly, onScanned: options.onScanned }),
    createReadStream(path, { highWaterMark: CHUNK_BYTES }),
  );
}

/**
 * Reads a settlement file from a stream of chunks (an upload), in one pass.
 * @throws SettlementFileError as readSettlementFile.
 */
export async function* readSettlementStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReadSettlementOptions & { name: string; holdBytes?: number },
): AsyncGenerator<SettlementBatch> {
  const file = parseSettlementFileName(options.name);
  yield* drive(new SettlementReader({ file, encoding: options.encoding ?? 'auto', holdBytes: options.holdBytes }), source);
}

/** `utf-8` when every byte of the file is UTF-8, else `gbk` (the first pass of `auto`). */
export async function detectFileEncoding(path: string): Promise<SettlementEncoding> {
  const validator = new Utf8Validator();
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!validator.push(chunk)) return 'gbk';
    }
  } finally {
    stream.destroy();
  }
  return validator.end() ? 'utf-8' : 'gbk';
}

async function* drive(reader: SettlementReader, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<SettlementBatch> {
  for await (const chunk of source) {
    reader.push(chunk);
    const rows = reader.take();
    // a batch after every chunk, even one whose lines onScanned took all: the caller writes as it reads
    yield batch(reader, rows, false);
  }
  reader.end();
  yield batch(reader, reader.take(), true);
}

function batch(reader: SettlementReader, rows: SettlementRows, done: boolean): SettlementBatch {
  return { ...rows, file: reader.file, encoding: reader.encoding, lines: reader.lines, rows: reader.taken, done };
}
