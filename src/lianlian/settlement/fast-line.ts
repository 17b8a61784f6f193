// The fast path of reading a daily or monthly file's data line (parse-line.ts keeps the rules and the refusals):
// the line's `|` found with indexOf, each field trimmed and checked by its character codes, no regular expression,
// no split and, to check a line, no string made at all. It accepts only what the full parser accepts, with the same
// values: anything it does not recognise at once (a blank line, the header, a malformed field, a space other than
// ASCII's around a value, another merchant) is answered "not here" and the full parser decides — which refuses the
// line naming its column, or reads it.

/** Where each of a line's 19 fields begins and ends (trimmed), filled by scanDetailLine. */
export type FieldBounds = Int32Array;

export const DETAIL_COLUMN_COUNT = 19;

export function fieldBounds(): FieldBounds {
  return new Int32Array(DETAIL_COLUMN_COUNT * 2);
}

/** The day starts (UTC+8, epoch ms) of `yyyyMMdd` days, or null for a day that does not exist. */
export type DayStart = (day: string) => number | null;

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
/** Beyond ASCII, what String#trim also takes for a space (Unicode's Zs, the line and paragraph separators, BOM). */
const isWideSpace = (c: number): boolean =>
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Where field `f` begins in the line, and where it ends. */
const at = (x: FieldBounds, f: number): number => x[f * 2] as number;
const end = (x: FieldBounds, f: number): number => x[f * 2 + 1] as number;

/** Field `f` is printable ASCII (no space), from `min` to 32 characters. */
function token(text: string, x: FieldBounds, f: number, min: number): boolean {
  const from = at(x, f);
  const to = end(x, f);
  if (to - from < min || to - from > 32) return false;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function digits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** Field `f` is `count` digits. */
function digitField(text: string, x: FieldBounds, f: number, count: number): boolean {
  return end(x, f) - at(x, f) === count && digits(text, at(x, f), end(x, f));
}

/** Field `f` is `^[A-Za-z]{0,3}$`. */
function currency(text: string, x: FieldBounds, f: number): boolean {
  const from = at(x, f);
  const to = end(x, f);
  if (to - from > 3) return false;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/** Field `f` is `^-?\d{1,15}(?:\.\d{1,fracMax})?$` (AMOUNT: signed, 2; RATE: unsigned, 12), or empty if `optional`. */
function decimal(text: string, x: FieldBounds, f: number, signed: boolean, fracMax: number, optional: boolean): boolean {
  const to = end(x, f);
  let i = at(x, f);
  if (i === to) return optional;
  if (signed && text.charCodeAt(i) === 0x2d) i += 1;
  const intFrom = i;
  while (i < to && isDigit(text.charCodeAt(i))) i += 1;
  if (i === intFrom || i - intFrom > 15) return false;
  if (i === to) return true;
  if (text.charCodeAt(i) !== 0x2e) return false;
  const fracFrom = i + 1;
  return to - fracFrom >= 1 && to - fracFrom <= fracMax && digits(text, fracFrom, to);
}

/**
 * Finds and trims the 19 fields of `text` into `bounds` and checks every one as parse-line.ts does (`oidPartner`:
 * the merchant every row must name, or null). Returns `dt_order` in epoch ms, or -1: not recognised here (the full
 * parser decides).
 */
export function scanDetailLine(text: string, bounds: FieldBounds, oidPartner: string | null, dayStart: DayStart): number {
  let from = 0;
  for (let f = 0; f < DETAIL_COLUMN_COUNT; f += 1) {
    // the last field is the rest of the line: bars in it are its own text
    const bar = f === DETAIL_COLUMN_COUNT - 1 ? text.length : text.indexOf('|', from);
    if (bar === -1) return -1;
    let a = from;
    let b = bar;
    while (a < b && isSpace(text.charCodeAt(a))) a += 1;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b -= 1;
    // String#trim would take more: the full parser reads this line
    if (a < b && (isWideSpace(text.charCodeAt(a)) || isWideSpace(text.charCodeAt(b - 1)))) return -1;
    bounds[f * 2] = a;
    bounds[f * 2 + 1] = b;
    from = bar + 1;
  }
  if (oidPartner !== null && oidPartner.length !== 18) return -1;
  const x = bounds;
  if (!token(text, x, 0, 1) || !token(text, x, 3, 0) || !token(text, x, 4, 0) || !token(text, x, 17, 0)) return -1;
  if (!digitField(text, x, 1, 18) || (oidPartner !== null && !text.startsWith(oidPartner, at(x, 1)))) return -1;
  if (!digitField(text, x, 5, 8) || dayStart(text.slice(at(x, 5), end(x, 5))) === null) return -1;
  if (!currency(text, x, 6) || !currency(text, x, 8) || !currency(text, x, 10)) return -1;
  if (!decimal(text, x, 7, true, 2, false)) return -1;
  if (!decimal(text, x, 9, true, 2, true) || !decimal(text, x, 11, true, 2, true) || !decimal(text, x, 15, true, 2, true)) return -1;
  if (!decimal(text, x, 12, false, 12, true)) return -1;
  const status = end(x, 13) - at(x, 13);
  if (status < 1 || status > 2 || !digits(text, at(x, 13), end(x, 13))) return -1;
  return dtOrderMs(text, at(x, 2), end(x, 2), dayStart);
}

/** `yyyyMMdd HH:MM:SS` (UTC+8) → epoch ms, or -1. */
function dtOrderMs(text: string, from: number, to: number, dayStart: DayStart): number {
  if (to - from !== 17 || !digits(text, from, from + 8) || text.charCodeAt(from + 8) !== 0x20) return -1;
  if (text.charCodeAt(from + 11) !== 0x3a || text.charCodeAt(from + 14) !== 0x3a) return -1;
  const two = (i: number): number => {
    const hi = text.charCodeAt(from + i);
    const lo = text.charCodeAt(from + i + 1);
    return isDigit(hi) && isDigit(lo) ? (hi - 0x30) * 10 + (lo - 0x30) : 99;
  };
  const hours = two(9);
  const minutes = two(12);
  const seconds = two(15);
  if (hours > 23 || minutes > 59 || seconds > 59) return -1;
  const day = dayStart(text.slice(from, from + 8));
  if (day === null) return -1;
  return day + hours * 3_600_000 + minutes * 60_000 + seconds * 1000;
}
