// Reads orders to track from a JSONL file (one JSON object per line) or a CSV file (a header row naming the
// fields of POST /orders), told apart by what the file holds. Pure parsing over text lines; every bad line is
// reported (the first few dozen listed), each naming its line and field, and nothing is tracked from such a file.
import { LlreconError } from '../errors.js';
import { parseOrderToTrack, type OrderToTrack } from '../lianlian/fields.js';

/** Split one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export type OrderFileFormat = 'jsonl' | 'csv';

/** The format a file name suggests: `.csv` is CSV, anything else JSONL (see detectFormat, which reads the content). */
export function formatOf(path: string): OrderFileFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

/**
 * The format of a file's text: CSV when its first line is a header naming `no_order`, JSONL when that line is a JSON
 * object; otherwise what the file's name suggests (formatOf), whose parse then names the first line's fault.
 */
export function detectFormat(lines: readonly string[], path: string): OrderFileFormat {
  const first = lines.map((l) => l.replace(/^\uFEFF/, '').trim()).find((l) => l !== '');
  if (first === undefined) return formatOf(path);
  if (first.startsWith('{')) return 'jsonl';
  if (splitCsvLine(first).some((cell) => cell.trim() === 'no_order')) return 'csv';
  return formatOf(path);
}

/** How many bad lines one error lists (all are counted). */
export const BAD_LINES_LISTED = 20;

/** One error for every bad line: the first one's code and field, a message listing them (`line N…` each). */
function badLinesError(errors: readonly LlreconError[]): LlreconError {
  const first = errors[0] as LlreconError;
  if (errors.length === 1) return first;
  const listed = errors.slice(0, BAD_LINES_LISTED).map((e) => e.message);
  const more = errors.length > BAD_LINES_LISTED ? [`… and ${errors.length - BAD_LINES_LISTED} more bad lines`] : [];
  const summary = `${errors.length} bad lines; nothing was tracked`;
  return new LlreconError(first.code, [...listed, ...more, summary].join('\n'), first.field === undefined ? {} : { field: first.field });
}

/**
 * Parse every line; blank lines are skipped. Throws an LlreconError for every bad line at once (the first one's
 * code and field `line N…`, a message with one line each), so nothing is tracked from a file with an error in it.
 */
export function parseOrderLines(lines: readonly string[], format: OrderFileFormat): OrderToTrack[] {
  const orders: OrderToTrack[] = [];
  const errors: LlreconError[] = [];
  let header: string[] | null = null;
  for (const [i, rawLine] of lines.entries()) {
    const line = rawLine.replace(/^\uFEFF/, '').trimEnd();
    if (line.trim() === '') continue;
    try {
      if (format === 'csv' && !header) header = parseHeader(line, `line ${i + 1}`);
      else orders.push(parseLine(line, `line ${i + 1}`, header));
    } catch (err) {
      if (!(err instanceof LlreconError)) throw err;
      errors.push(err);
      // without a header no row can be read
      if (format === 'csv' && !header) break;
    }
  }
  if (errors.length > 0) throw badLinesError(errors);
  return orders;
}

function parseHeader(line: string, where: string): string[] {
  const header = splitCsvLine(line).map((h) => h.trim());
  const twice = header.find((h, j) => header.indexOf(h) !== j);
  if (twice !== undefined) throw new LlreconError('LLRECON_INVALID_FIELD', `${where}: the header names "${twice}" twice`, { field: where });
  return header;
}

/** One order from a CSV row (`header` given) or a JSON line. */
function parseLine(line: string, where: string, header: string[] | null): OrderToTrack {
  let item: unknown;
  if (header) {
    const cells = splitCsvLine(line);
    if (cells.length !== header.length)
      throw new LlreconError('LLRECON_INVALID_FIELD', `${where}: ${cells.length} columns, the header has ${header.length}`, {
        field: where,
      });
    // no prototype: a column named __proto__ is an ordinary (unknown) field, not a silent no-op
    const obj = Object.create(null) as Record<string, unknown>;
    header.forEach((h, j) => {
      const v = cells[j] ?? '';
      if (v === '') return;
      obj[h] = h === 'valid_order' && /^\d+$/.test(v) ? Number(v) : v;
    });
    item = obj;
  } else {
    try {
      item = JSON.parse(line);
    } catch {
      throw new LlreconError('LLRECON_INVALID_JSON', `${where}: not valid JSON`, { field: where });
    }
  }
  return parseOrderToTrack(item, where);
}
