// One delivery attempt: POST the event JSON with the Standard Webhooks headers, and say what came of it.
// No got retries and no redirects followed (a 3xx is a failure, as Standard Webhooks advises): the queue
// owns retries. Errors name the cause, never the URL (its path or query may hold a token).
import { performance } from 'node:perf_hooks';
import { RequestError, type Got } from 'got';
import type { DeliveryAttempt } from './delivery-log.js';
import { webhookHeaders } from './standard-webhooks.js';

/** How long one attempt may take (Standard Webhooks: 15–30 s). */
export const DELIVERY_TIMEOUT_MS = 15_000;

/** What one attempt came to, with the receiver's `Retry-After` when it sent one. */
export interface AttemptResult extends Omit<DeliveryAttempt, 'at' | 'attempt'> {
  retryAfterMs?: number;
}

/** `Retry-After` in seconds or as an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function describeFailure(err: unknown): string {
  const code = err instanceof RequestError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 200);
}

/** POSTs `body` to `url`, signed for event `id` at `nowMs`. Never throws for HTTP or network failures. */
export async function postEvent(
  http: Got,
  target: { url: string; secret: string },
  event: { id: string; body: string },
  nowMs: number,
): Promise<AttemptResult> {
  const headers = webhookHeaders({ id: event.id, timestamp: Math.floor(nowMs / 1000), body: event.body, secret: target.secret });
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await http.post(target.url, {
      body: event.body,
      headers: { ...headers },
      timeout: { request: DELIVERY_TIMEOUT_MS },
      followRedirect: false,
    });
    const status = res.statusCode;
    if (status >= 200 && status <= 299) return { result: 'delivered', status, ms: ms() };
    if (status === 410) return { result: 'gone', status, ms: ms(), error: 'HTTP 410 Gone' };
    const after = retryAfterMs(res.headers['retry-after'], nowMs);
    return { result: 'failed', status, ms: ms(), error: `HTTP ${status}`, ...(after === undefined ? {} : { retryAfterMs: after }) };
  } catch (err) {
    return { result: 'failed', status: null, ms: ms(), error: describeFailure(err) };
  }
}
