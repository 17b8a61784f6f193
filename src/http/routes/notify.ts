// LianLian's callbacks (public): the asynchronous notification and the synchronous `url_return` form, forwarded
// by the merchant's site. The body is kept exactly as sent (the signature is over it), checked to be a JSON
// object, and durably queued for the notify workers, which verify it; only then is LianLian answered. Bodies of
// these routes are never logged.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { decodeUtf8Body } from '../../utf8.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError } from '../../errors.js';
import { duplicateKeyError, parseSignedBody, withoutBom } from '../../lianlian/signed-body.js';
import { NOTIFY_ACK } from '../../lianlian/web-payment.js';
import { withinRedisDeadline } from '../redis-deadline.js';

/** Largest callback body accepted. */
const NOTIFY_BODY_LIMIT = 64 * 1024;

/** Content types that LianLian and merchants' sites send JSON under (any charset). */
const JSON_TYPES = ['application/json', 'text/json', 'text/plain'] as const;

/** Keep JSON-ish bodies as the exact string received. */
function acceptRawJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  for (const type of JSON_TYPES)
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, decodeUtf8Body(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
}

/**
 * A form body as a JSON object of strings. As with a JSON body, a leading BOM is dropped and a field sent twice is
 * refused, naming it (which one was signed?).
 */
function formToJson(form: string): string {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(withoutBom(form))) {
    if (fields.has(key)) throw duplicateKeyError(key);
    fields.set(key, value);
  }
  return JSON.stringify(Object.fromEntries(fields));
}

/**
 * The body to queue, if it is a JSON object: without a leading BOM (LianLian would resend a refused notification 30
 * times, and the signature covers the fields, not the bytes); a top-level key sent twice is a 400 naming it, as in
 * a form. Else a 400 naming no field.
 */
function rawJsonObject(body: unknown): string {
  const text = typeof body === 'string' ? withoutBom(body) : '';
  if (text.trim() === '') throw new LlreconError('LLRECON_INVALID_JSON', 'empty body: expected a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // the parser's message quotes the body: never pass it on
    throw new LlreconError('LLRECON_INVALID_JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LlreconError('LLRECON_NOT_AN_OBJECT');
  parseSignedBody(text); // valid JSON by now: throws only for a key sent twice
  return text;
}

/** Queue `raw` for the notify workers, or fail with 503 (so that the sender tries again) within the deadline. */
async function queue(engine: Engine, req: FastifyRequest, raw: string, kind: 'async' | 'return'): Promise<void> {
  try {
    await withinRedisDeadline(engine.redisReady, 'the callback', () => engine.acceptNotification(raw, kind));
  } catch (err) {
    req.log.error({ err, kind }, 'callback not queued');
    // whatever went wrong, LianLian must not take this for an acknowledgement: it resends on a 503
    throw err instanceof LlreconError && err.code === 'LLRECON_QUEUE_UNAVAILABLE'
      ? err
      : new LlreconError('LLRECON_QUEUE_UNAVAILABLE', 'the callback could not be recorded now; send it again later');
  }
}

/** `POST /notify/lianlian` and `POST /notify/lianlian/return`, each ≤ NOTIFY_BODY_LIMIT. */
export const notifyRoutes: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  await app.register(async (scope) => {
    acceptRawJson(scope);
    scope.post('/notify/lianlian', { bodyLimit: NOTIFY_BODY_LIMIT }, async (req, reply) => {
      await queue(engine, req, rawJsonObject(req.body), 'async');
      return reply.send(NOTIFY_ACK);
    });
  });

  await app.register(async (scope) => {
    acceptRawJson(scope);
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, formToJson(decodeUtf8Body(body as Buffer)));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.post('/notify/lianlian/return', { bodyLimit: NOTIFY_BODY_LIMIT }, async (req, reply) => {
      await queue(engine, req, rawJsonObject(req.body), 'return');
      return reply.send({ ok: true });
    });
  });
};
