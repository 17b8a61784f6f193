// The pure core of reading a settlement file: bytes in (chunk by chunk), rows out, nothing held beyond the line at
// hand (and, for `auto` on a one-pass stream, the bounded hold of encoding.ts). The I/O that drives it is
// src/settlement/read-file.ts.
import { DETAIL_FIELDS, SUMMARY_FIELDS, type DetailRow, type SummaryRow } from './fields.js';
import type { SettlementFileName } from './file-name.js';
import { LineEncodingDecider, decodeLine, type EncodingSetting, type SettlementEncoding } from './encoding.js';
import { LineSplitter } from './lines.js';
import { DetailLineParser, SummaryLineParser, type ScannedLineHandler } from './parse-line.js';

export interface SettlementReaderOptions {
  /** The file's name, read (its kind says which columns; its merchant is the only one its rows may name). */
  file: SettlementFileName;
  /** `auto` (default) decides in one pass with a bounded hold; a reader of a file on disk decides first instead. */
  encoding?: EncodingSetting;
  /** How many bytes `auto` holds at most while undecided (encoding.ts). */
  holdBytes?: number;
  /** Only check every line (refusing the file as reading it would), giving no detail rows: cheaper. */
  checkOnly?: boolean;
  /** Offered each data line the fast scanner reads, before its row is made; a line it takes gives no row. */
  onScanned?: ScannedLineHandler;
}

/** Rows read so far and not yet taken. */
export interface SettlementRows {
  details: DetailRow[];
  summaries: SummaryRow[];
}

export class SettlementReader {
  readonly file: SettlementFileName;
  private readonly splitter = new LineSplitter();
  private readonly decider: LineEncodingDecider;
  private readonly columns: readonly string[];
  private readonly detail: DetailLineParser | null;
  private readonly summary: SummaryLineParser | null;
  private readonly checkOnly: boolean;
  private readonly onScanned: ScannedLineHandler | undefined;
  private rows: SettlementRows = { details: [], summaries: [] };
  private rowCount = 0;
  private readonly onLine = (bytes: Buffer, line: number): void => this.decider.push(bytes, line, this.onDecided);
  private readonly onDecided = (bytes: Buffer, line: number, encoding: SettlementEncoding): void => {
    const text = decodeLine(bytes, encoding, line, this.columns);
    if (this.detail !== null) {
      if (this.checkOnly) return this.detail.check(text, line);
      const row = this.detail.parse(text, line, this.onScanned);
      if (row !== null) this.rows.details.push(row);
    } else {
      const row = (this.summary as SummaryLineParser).parse(text, line);
      if (row !== null) this.rows.summaries.push(row);
    }
  };

  constructor(options: SettlementReaderOptions) {
    this.file = options.file;
    this.checkOnly = options.checkOnly === true;
    this.onScanned = options.onScanned;
    this.decider = new LineEncodingDecider(options.encoding ?? 'auto', options.holdBytes);
    const isSummary = options.file.kind === 'summary';
    this.columns = isSummary ? SUMMARY_FIELDS : DETAIL_FIELDS;
    this.detail = isSummary ? null : new DetailLineParser(options.file.oid_partner);
    this.summary = isSummary ? new SummaryLineParser() : null;
  }

  /** Reads a chunk of the file. @throws SettlementFileError: the file is refused whole. */
  push(chunk: Uint8Array): void {
    this.splitter.push(chunk, this.onLine);
  }

  /** The end of the file; returns the encoding it was read in. @throws SettlementFileError */
  end(): SettlementEncoding {
    this.splitter.end(this.onLine);
    return this.decider.end(this.onDecided);
  }

  /** The rows read since the last take. */
  take(): SettlementRows {
    const rows = this.rows;
    this.rowCount += rows.details.length + rows.summaries.length;
    this.rows = { details: [], summaries: [] };
    return rows;
  }

  /** Lines read so far (the header and blank lines included). */
  get lines(): number {
    return this.splitter.lines;
  }

  /** Rows taken so far. */
  get taken(): number {
    return this.rowCount;
  }

  /** The encoding decided so far, or null while `auto` is still undecided. */
  get encoding(): SettlementEncoding | null {
    return this.decider.encoding;
  }
}
