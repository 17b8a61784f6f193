// Request bodies and order files are decoded strictly: text that is not UTF-8 is not JSON (RFC 8259 §8.1), and it cannot be what
// LianLian signed. Never silently mended into U+FFFD.
import { LlreconError } from './errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or LLRECON_INVALID_JSON (400) naming `what` when they are not UTF-8. */
export function decodeUtf8Body(body: Buffer, what = 'body'): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new LlreconError('LLRECON_INVALID_JSON', `${what} is not UTF-8`);
  }
}
