// Settlement files come in UTF-8 or GBK (protocol §7: `info_order` is the merchant's free text, often Chinese).
// `auto` means UTF-8 unless the file's bytes are not valid UTF-8, then GBK: a decision about the whole file, which a
// reader of a stream can only make once it has seen the byte that decides. Two ways to make it, both here:
// - Utf8Validator: a first pass over a file's bytes (re-readable: a file on disk), flat memory, then one parse in
//   the decided encoding. Exact wherever the first non-UTF-8 byte is (src/settlement/read-file.ts does this).
// - LineEncodingDecider: one pass over a stream that cannot be read twice. ASCII-only lines read the same in both
//   encodings and pass at once; from the first line with other bytes on, lines are held until a non-UTF-8 byte says
//   GBK (the held lines are then read as GBK too) or the file ends (UTF-8). Holding is bounded: past `holdBytes`
//   of still-valid UTF-8 the decider settles on UTF-8, and a non-UTF-8 byte after that refuses the file (naming its
//   line) instead of reading its first part in the wrong encoding.
import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { SettlementFileError } from './file-error.js';

export type SettlementEncoding = 'utf-8' | 'gbk';
export type EncodingSetting = 'auto' | SettlementEncoding;

export const ENCODING_SETTINGS: readonly EncodingSetting[] = ['auto', 'utf-8', 'gbk'];

/** How much the one-pass decider holds, at most, before it settles on UTF-8. */
export const DEFAULT_HOLD_BYTES = 8 * 1024 * 1024;

const PIPE = 0x7c;

/**
 * A line's text in `encoding`. ASCII takes the fast path (the same text in both encodings).
 * @throws SettlementFileError naming the line and the column of the first byte that is not `encoding`.
 */
export function decodeLine(bytes: Buffer, encoding: SettlementEncoding, line: number, columns: readonly string[]): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (encoding === 'utf-8') {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    const at = firstInvalidUtf8(bytes);
    let pipes = 0;
    for (let i = 0; i < at; i += 1) if (bytes[i] === PIPE) pipes += 1;
    throw notEncoded(
      line,
      columnAt(columns, pipes),
      `byte ${at + 1} of the line is not UTF-8 (set the encoding to gbk if the file is GBK)`,
    );
  }
  const text = iconv.decode(bytes, 'gbk');
  const bad = text.indexOf('\uFFFD');
  if (bad === -1) return text;
  const pipes = text.slice(0, bad).split('|').length - 1;
  throw notEncoded(line, columnAt(columns, pipes), 'is not GBK text (set the encoding to utf-8 if the file is UTF-8)');
}

function columnAt(columns: readonly string[], index: number): string {
  return columns[Math.min(index, columns.length - 1)] ?? 'line';
}

function notEncoded(line: number, column: string, message: string): SettlementFileError {
  return new SettlementFileError(message, { line, column });
}

/** The offset of the first byte that breaks UTF-8 (`bytes.length` when the text ends inside a character). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    const need =
      lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (need > 0 && !isUtf8(bytes.subarray(i, i + need + 1))) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Whether a stream of chunks is valid UTF-8 so far: characters split across chunks are carried over. */
export class Utf8Validator {
  private tail: Buffer = Buffer.alloc(0);
  private valid = true;

  /** Feeds a chunk; false once any byte so far is not UTF-8. */
  push(chunk: Uint8Array): boolean {
    if (!this.valid) return false;
    const bytes =
      this.tail.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.tail, chunk]);
    const cut = incompleteTailStart(bytes);
    this.valid = isUtf8(bytes.subarray(0, cut));
    this.tail = Buffer.from(bytes.subarray(cut));
    return this.valid;
  }

  /** Whether the whole stream was UTF-8 (a character cut off by the end is not). */
  end(): boolean {
    if (this.tail.length > 0) this.valid = false;
    return this.valid;
  }
}

/** Where a character that the end of `bytes` cuts off begins (`bytes.length` when none is cut off). */
function incompleteTailStart(bytes: Buffer): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back += 1) {
    const byte = bytes[bytes.length - back] as number;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) {
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return size > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

export type DecidedLineHandler = (bytes: Buffer, line: number, encoding: SettlementEncoding) => void;

/** The one-pass decision of the module comment, line by line (lines from LineSplitter). */
export class LineEncodingDecider {
  private decided: SettlementEncoding | null;
  /** Set when UTF-8 was settled on because holding more would cost too much, not because the file ended. */
  private settledEarly = false;
  private held: { bytes: Buffer; line: number }[] = [];
  private heldBytes = 0;

  constructor(
    setting: EncodingSetting,
    private readonly holdBytes = DEFAULT_HOLD_BYTES,
  ) {
    this.decided = setting === 'auto' ? null : setting;
  }

  /** The encoding decided so far, or null. */
  get encoding(): SettlementEncoding | null {
    return this.decided;
  }

  push(bytes: Buffer, line: number, onLine: DecidedLineHandler): void {
    if (this.decided !== null) {
      if (this.settledEarly && !isUtf8(bytes)) {
        throw new SettlementFileError(
          `not UTF-8, though the first ${this.holdBytes} bytes of non-ASCII lines were: a stream's encoding cannot be decided this late; import it from a file, or set the encoding (utf-8 or gbk)`,
          { line },
        );
      }
      onLine(bytes, line, this.decided);
      return;
    }
    if (this.held.length === 0 && isAscii(bytes)) {
      onLine(bytes, line, 'utf-8');
      return;
    }
    this.held.push({ bytes, line });
    this.heldBytes += bytes.length;
    if (!isUtf8(bytes)) this.decide('gbk', onLine);
    else if (this.heldBytes > this.holdBytes) {
      this.settledEarly = true;
      this.decide('utf-8', onLine);
    }
  }

  /** At the end of the file: what is still held is UTF-8 (no byte said otherwise). */
  end(onLine: DecidedLineHandler): SettlementEncoding {
    if (this.decided === null) this.decide('utf-8', onLine);
    return this.decided ?? 'utf-8';
  }

  private decide(encoding: SettlementEncoding, onLine: DecidedLineHandler): void {
    this.decided = encoding;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const { bytes, line } of held) onLine(bytes, line, encoding);
  }
}
