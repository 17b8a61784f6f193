// Small node:http helpers of the simulator: read a bounded body, write an answer.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the simulator reads. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The request body as UTF-8 text, or null when it is larger than {@link MAX_BODY_BYTES}. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buf); // past the limit: drain the rest, so the answer can be sent
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8');
}

/** Writes a whole answer (unless the client has already gone). */
export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a LianLian JSON answer: HTTP 200, `application/json;charset=utf-8`. */
export function sendJson(res: ServerResponse, body: string): void {
  send(res, 200, 'application/json;charset=utf-8', body);
}
