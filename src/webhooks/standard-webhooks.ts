// Standard Webhooks 1.0 signatures (standard-webhooks spec/standard-webhooks.md), symmetric scheme only:
// `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed by the
// base64-decoded part of a `whsec_…` secret. Pure: the time is passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LlreconError } from '../errors.js';

/** How far `webhook-timestamp` may be from the receiver's clock, either way (the reference library's 5 min). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** What is signed: the event id, the attempt's time (unix seconds) and the exact body bytes sent. */
export interface WebhookMessage {
  /** `webhook-id`: the event id, the same on every attempt (receivers dedupe on it). */
  id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  timestamp: number;
  body: string | Buffer;
  /** `whsec_` followed by the base64 of the key. */
  secret: string;
}

/** The headers of one delivery attempt (a type, not an interface, so that it is a header record too). */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/cloudevents+json';
};

const SECRET_RE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const SIGNATURE_RE = /^[A-Za-z0-9+/]{43}=$/;
const TIMESTAMP_RE = /^\d{1,12}$/;

/**
 * The HMAC key inside a `whsec_` secret (the bytes of the base64 after the prefix), or null when `secret` is not
 * one. THE check of a secret's form: the signer here and the EVENTS_WEBHOOK_SECRET setting (which also wants the
 * key long enough) both use it.
 */
export function webhookSecretKey(secret: string): Buffer | null {
  const b64 = SECRET_RE.exec(secret)?.[1];
  const key = b64 === undefined ? null : Buffer.from(b64, 'base64');
  return key !== null && key.length > 0 ? key : null;
}

/** {@link webhookSecretKey}, or `LLRECON_CONFIG` (never echoing the secret) when malformed. */
function keyOf(secret: string): Buffer {
  const key = webhookSecretKey(secret);
  if (key === null) throw new LlreconError('LLRECON_CONFIG', 'webhook secret must be "whsec_" followed by base64');
  return key;
}

function mac(key: Buffer, id: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` value for one attempt: `v1,<base64>`. */
export function signWebhook(m: WebhookMessage): string {
  return `v1,${mac(keyOf(m.secret), m.id, m.timestamp, m.body).toString('base64')}`;
}

/** The headers to send with `body`. */
export function webhookHeaders(m: WebhookMessage): WebhookHeaders {
  return {
    'webhook-id': m.id,
    'webhook-timestamp': String(m.timestamp),
    'webhook-signature': signWebhook(m),
    'content-type': 'application/cloudevents+json',
  };
}

/** What a receiver checks: the raw body as received, the request's headers, the shared secret, its clock. */
export interface WebhookVerifyInput {
  /** Header names in any case (Node gives them lower-cased). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body: bytes as received, never re-serialised JSON. */
  body: string | Buffer;
  secret: string;
  /** The receiver's clock, unix seconds. */
  nowSeconds: number;
  toleranceSeconds?: number;
}

/** `ok` with the verified id and timestamp, or why the request is not to be trusted. */
export type WebhookVerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'too_old' | 'too_new' | 'no_match' };

function header(headers: WebhookVerifyInput['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return typeof v === 'string' ? v : v?.[0];
  return undefined;
}

/**
 * Checks a received webhook: the timestamp within the tolerance (both ways, against replays), then each `v1`
 * entry of the space-separated signature list in constant time; other schemes (`v1a`) are skipped.
 */
export function verifyWebhook(input: WebhookVerifyInput): WebhookVerifyResult {
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !ts || !signatures) return { ok: false, reason: 'missing_headers' };
  if (!TIMESTAMP_RE.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(ts);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (input.nowSeconds - timestamp > tolerance) return { ok: false, reason: 'too_old' };
  if (timestamp - input.nowSeconds > tolerance) return { ok: false, reason: 'too_new' };
  const expected = mac(keyOf(input.secret), id, timestamp, input.body);
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const sig = entry.slice(comma + 1);
    if (SIGNATURE_RE.test(sig) && timingSafeEqual(Buffer.from(sig, 'base64'), expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no_match' };
}
