// A settlement file is refused whole (LLRECON_SETTLEMENT_FILE), naming where: the line and the column when a line is
// at fault, so that a person can open the file at that place.
import { LlreconError } from '../../errors.js';

export class SettlementFileError extends LlreconError {
  /** The 1-based line at fault, or null when the file name or the file as a whole is. */
  readonly line: number | null;
  /** The column's field name (`money_order`), or null. */
  readonly column: string | null;

  constructor(message: string, where: { line?: number | null; column?: string | null } = {}) {
    const line = where.line ?? null;
    const column = where.column ?? null;
    const place = [line === null ? null : `line ${line}`, column === null ? null : `column ${column}`].filter((p) => p !== null);
    const field = line === null ? (column ?? undefined) : column === null ? `line ${line}` : `line ${line}.${column}`;
    super('LLRECON_SETTLEMENT_FILE', place.length === 0 ? message : `${place.join(', ')}: ${message}`, { field });
    this.line = line;
    this.column = column;
  }
}
