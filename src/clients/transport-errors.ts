// Turning what went wrong on the wire into llrecon's coded errors: the queue decides what to do with them.
import { RequestError, TimeoutError } from 'got';
import { LlreconError } from '../errors.js';

/** `POST origin/path` of a URL, without credentials or query string (which never belong in a message). */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'LianLian';
  }
}

/** A failed request: `LLRECON_TIMEOUT` when it ran out of time, else `LLRECON_TRANSPORT`. */
export function transportError(err: unknown, url: string, timeoutMs: number): LlreconError {
  if (err instanceof TimeoutError || (err instanceof RequestError && err.code === 'ETIMEDOUT'))
    return new LlreconError('LLRECON_TIMEOUT', `POST ${where(url)}: no answer within ${timeoutMs} ms`, { cause: err });
  const code = err instanceof RequestError ? err.code : undefined;
  const reason = err instanceof Error ? err.message : String(err);
  return new LlreconError('LLRECON_TRANSPORT', `POST ${where(url)} failed${code ? ` (${code})` : ''}: ${reason}`, { cause: err });
}

/** An answer with a non-2xx HTTP status: `LLRECON_HTTP_STATUS`, the status in the message. */
export function httpStatusError(status: number, url: string): LlreconError {
  return new LlreconError('LLRECON_HTTP_STATUS', `POST ${where(url)} answered HTTP ${status}`);
}
