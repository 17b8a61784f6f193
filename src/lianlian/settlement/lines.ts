// Splits a settlement file's bytes into lines, chunk by chunk, without ever holding more than one line beyond the
// chunk at hand. Lines are cut on the byte 0x0A before any decoding: in UTF-8 and in GBK alike a 0x0A (or 0x0D) byte
// is only ever a line break, never part of a character (GBK's second bytes are 0x40–0xFE), whereas a '|' (0x7C) can
// be the second byte of a GBK character — so fields are split only after decoding.
import { SettlementFileError } from './file-error.js';

/** The longest line accepted: a real row is a few hundred bytes; this bounds what a file without line breaks costs. */
export const MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export type LineHandler = (bytes: Buffer, line: number) => void;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private lineNo = 0;
  private atStart = true;
  /** Whether the file began with a UTF-8 byte order mark (dropped from line 1). */
  sawBom = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** The number of lines handed out so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Hands every line that `chunk` completes to `onLine` (without its `\n` or `\r\n`). */
  push(chunk: Uint8Array, onLine: LineHandler): void {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.atStart) bytes = this.dropBom(bytes);
    let from = 0;
    for (let at = bytes.indexOf(LF, from); at !== -1; at = bytes.indexOf(LF, from)) {
      const piece = bytes.subarray(from, at);
      from = at + 1;
      if (this.carryBytes === 0) {
        this.emit(piece, onLine);
      } else {
        this.keep(piece);
        const whole = Buffer.concat(this.carry, this.carryBytes);
        this.carry = [];
        this.carryBytes = 0;
        this.emit(whole, onLine);
      }
    }
    if (from < bytes.length) this.keep(bytes.subarray(from));
  }

  /** Hands out the last line when the file does not end with a line break. */
  end(onLine: LineHandler): void {
    if (this.carryBytes === 0) return;
    const whole = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.emit(whole, onLine);
  }

  private emit(piece: Buffer, onLine: LineHandler): void {
    this.lineNo += 1;
    if (piece.length > this.maxLineBytes) this.tooLong();
    onLine(piece.length > 0 && piece[piece.length - 1] === CR ? piece.subarray(0, piece.length - 1) : piece, this.lineNo);
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.carry.push(piece);
    this.carryBytes += piece.length;
    // +1: a line of exactly the limit may still be waiting for its `\r`
    if (this.carryBytes > this.maxLineBytes + 1) this.tooLong(this.lineNo + 1);
  }

  private tooLong(line = this.lineNo): never {
    throw new SettlementFileError(`longer than ${this.maxLineBytes} bytes: not a settlement row (is this the right file?)`, { line });
  }

  /** Drops a leading UTF-8 BOM, which may arrive split over the first chunks. */
  private dropBom(bytes: Buffer): Buffer {
    const seen = Buffer.concat([...this.carry, bytes.subarray(0, BOM.length)]);
    const prefix = seen.subarray(0, BOM.length);
    if (!BOM.subarray(0, prefix.length).equals(prefix)) {
      this.atStart = false;
      return bytes;
    }
    if (prefix.length < BOM.length) {
      // all of this chunk may be the BOM's beginning: wait for more
      this.carry.push(bytes);
      this.carryBytes += bytes.length;
      return Buffer.alloc(0);
    }
    this.atStart = false;
    this.sawBom = true;
    const skip = BOM.length - this.carryBytes;
    this.carry = [];
    this.carryBytes = 0;
    return bytes.subarray(skip);
  }
}
