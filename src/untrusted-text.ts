// Text a stranger chose — a field of a callback that did not verify, a header — made safe to log or keep: the one
// scrubber for every such value. The logger's own scrubbing (src/log.ts) keeps identifiers such as `no_order` as
// they are, which is right for our own values and wrong for a stranger's, who may put a card number, a key or
// terminal escapes there.
import { scrubText } from './log.js';

/** How many characters of an untrusted value are kept by default. */
export const UNTRUSTED_MAX_CHARS = 64;

// a PEM armour line, whole or cut short (scrubText masks whole blocks only)
const PEM_LINE_RE = /-{2,}\s*(?:BEGIN|END)\b[^\n]*/gi;
// base64 (or base64url) runs shorter than scrubText's 100 that still look like key or signature material
const BASE64_BLOB_RE = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
// C0/C1 controls, line and paragraph separators, and bidirectional overrides (which reorder what a terminal shows)
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// digit runs glued to letters, which scrubText's card pattern leaves (order numbers look like that: ORD2026…)
const GLUED_DIGITS_RE = /\d{13,19}/g;

/** The Luhn check every card number passes (and 1 in 10 other digit runs). */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * `value` as safe text: controls replaced by `?`; PEM armour, base64 blobs and card-like digit runs (13–19 digits
 * standing alone, or glued to letters and passing the Luhn check) masked; and
 * cut to `max` characters (`…` marks a cut). Not a string: its JSON text, scrubbed the same way; null stays null.
 */
export function untrustedText(value: unknown, max = UNTRUSTED_MAX_CHARS): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  // cut first (bounded work on a 64 KiB value), then mask, then cut again (a mask may be longer than its match)
  const scrubbed = scrubText(text.slice(0, max * 4).replace(CONTROL_RE, '?'))
    .replace(PEM_LINE_RE, '[redacted PEM]')
    .replace(BASE64_BLOB_RE, '[redacted base64]')
    .replace(GLUED_DIGITS_RE, (m) => (luhn(m) ? '[redacted number]' : m));
  const cut = text.length > max * 4 || scrubbed.length > max;
  return cut ? `${scrubbed.slice(0, max)}…` : scrubbed;
}
