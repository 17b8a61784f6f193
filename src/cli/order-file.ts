// Reads orders to track from a JSONL file (one JSON object per line) or a CSV file (a header row naming the
// fields of POST /orders). Pure parsing over text lines; errors name the line and the field.
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

export function formatOf(path: string): OrderFileFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

/**
 * Parse every line; blank lines are skipped. Throws an LlreconError naming `line N` and the field for the
 * first bad line, so nothing is tracked from a file with an error in it.
 */
export function parseOrderLines(lines: readonly string[], format: OrderFileFormat): OrderToTrack[] {
  const orders: OrderToTrack[] = [];
  let header: string[] | null = null;
  for (const [i, rawLine] of lines.entries()) {
    const line = rawLine.replace(/^\uFEFF/, '').trimEnd();
    if (line.trim() === '') continue;
    const where = `line ${i + 1}`;
    let item: unknown;
    if (format === 'csv') {
      if (!header) {
        header = splitCsvLine(line).map((h) => h.trim());
        const twice = header.find((h, j) => header?.indexOf(h) !== j);
        if (twice !== undefined)
          throw new LlreconError('LLRECON_INVALID_FIELD', `${where}: the header names "${twice}" twice`, { field: where });
        continue;
      }
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
    orders.push(parseOrderToTrack(item, where));
  }
  return orders;
}
