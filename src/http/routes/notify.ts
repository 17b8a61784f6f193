// LianLian's callbacks (public): the asynchronous notification and the synchronous `url_return` form, forwarded
// by the merchant's site. Whatever strangers send here, what llrecon keeps for them is small and bounded:
//   1. NOTIFY_ALLOWED_SOURCES, when set: any other source address is answered 403 before its body is read;
//   2. content types: JSON only (`application/json`, `text/json`, any charset; `/return` also takes a form) — a
//      `text/plain` POST is what any web page can send cross-site without a preflight: 415 naming the type;
//   3. the door (src/notify/door.ts) checks the signature with the cached LianLian key (~12 µs) before anything is
//      stored: a callback that verifies is queued durably and acknowledged; anything else is refused 400, never
//      queued, leaving counters and a sampled record; a source whose refusals exceed its budget is answered 429
//      (a callback that verifies is admitted whatever its source's budget).
// The body is kept exactly as sent (the signature is over its fields). Bodies of these routes are never logged.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { decodeUtf8Body } from '../../utf8.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError, isLlreconError } from '../../errors.js';
import { duplicateKeyError, parseSignedBody, withoutBom } from '../../lianlian/signed-body.js';
import { NOTIFY_ACK } from '../../lianlian/web-payment.js';
import type { CallbackDoor, RefusalReason } from '../../notify/door.js';
import { untrustedText } from '../../untrusted-text.js';
import { NOTIFY_SCHEMAS } from '../openapi-routes.js';
import { withinRedisDeadline } from '../redis-deadline.js';
import { sourceList, type SourceList } from '../source-address.js';

/** Largest callback body accepted. */
const NOTIFY_BODY_LIMIT = 64 * 1024;

/** Content types that LianLian and merchants' sites send JSON under (any charset). */
const JSON_TYPES = ['application/json', 'text/json'] as const;
const FORM_TYPE = 'application/x-www-form-urlencoded';

type Kind = 'async' | 'return';

/** An error that has already been counted as a refusal at the door (so the error hook does not count it again). */
const COUNTED = Symbol('llrecon.door-counted');

/** The media type of a request, without parameters, for the 415 message (scrubbed: a stranger chose it). */
function mediaTypeOf(req: FastifyRequest): string {
  const header = req.headers['content-type'];
  const type = (typeof header === 'string' ? header.split(';')[0] : '')?.trim() ?? '';
  return type === '' ? '(none)' : (untrustedText(type) ?? '(none)');
}

/** Keep JSON bodies as the exact string received; refuse every other type with a 415 that names it. */
function acceptRawJson(app: FastifyInstance, kind: Kind): void {
  app.removeAllContentTypeParsers();
  for (const type of JSON_TYPES)
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, decodeUtf8Body(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
  const accepted = kind === 'async' ? JSON_TYPES.join(' or ') : `${JSON_TYPES.join(', ')} or ${FORM_TYPE}`;
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(new LlreconError('LLRECON_UNSUPPORTED_MEDIA_TYPE', `content type ${mediaTypeOf(req)} is not accepted here: send ${accepted}`));
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
 * The body to screen, if it is a JSON object: without a leading BOM (LianLian would resend a refused notification 30
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
async function queue(engine: Engine, req: FastifyRequest, raw: string, kind: Kind): Promise<void> {
  try {
    await withinRedisDeadline(engine.redisReady, 'the callback', () => engine.callbackDoor.accept(raw, kind));
  } catch (err) {
    req.log.error({ err, kind }, 'callback not queued');
    // whatever went wrong, LianLian must not take this for an acknowledgement: it resends on a 503
    throw err instanceof LlreconError && err.code === 'LLRECON_QUEUE_UNAVAILABLE'
      ? err
      : new LlreconError('LLRECON_QUEUE_UNAVAILABLE', 'the callback could not be recorded now; send it again later');
  }
}

/** The refusal as an error: 429 with Retry-After once the source spent its budget, else `error` (or a 400). */
function refusalError(
  door: CallbackDoor,
  req: FastifyRequest,
  reply: FastifyReply,
  kind: Kind,
  reason: RefusalReason,
  error: LlreconError,
  screened?: ReturnType<CallbackDoor['screen']>,
): LlreconError {
  const refusal = door.refuse(req.ip, kind, reason, screened);
  const out =
    refusal.status === 429
      ? new LlreconError(
          'LLRECON_CALLBACK_THROTTLED',
          `too many refused callbacks from this address; retry in ${refusal.retryAfterSec ?? 1} s`,
        )
      : error;
  if (refusal.status === 429) reply.header('retry-after', String(refusal.retryAfterSec ?? 1));
  Object.defineProperty(out, COUNTED, { value: true });
  return out;
}

/** One callback route: allow-list, content types, door. */
function callbackRoute(engine: Engine, allowed: SourceList, kind: Kind): FastifyPluginAsync {
  const door = engine.callbackDoor;
  const path = kind === 'async' ? '/notify/lianlian' : '/notify/lianlian/return';
  return async (scope) => {
    acceptRawJson(scope, kind);
    if (kind === 'return')
      scope.addContentTypeParser(FORM_TYPE, { parseAs: 'buffer' }, (_req, body, done) => {
        try {
          done(null, formToJson(decodeUtf8Body(body as Buffer)));
        } catch (err) {
          done(err as Error, undefined);
        }
      });
    // before the body is read: a source not on the allow-list costs nothing more
    scope.addHook('onRequest', async (req) => {
      if (allowed.allows(req.ip)) return;
      door.refuse(req.ip, kind, 'not_allowed');
      throw Object.defineProperty(new LlreconError('LLRECON_CALLBACK_SOURCE_REFUSED', 'this address may not send callbacks'), COUNTED, {
        value: true,
      });
    });
    // refusals raised while reading the body (content type, size, JSON, encoding) count against the source too
    scope.addHook('onError', async (req, _reply, err) => {
      if ((err as unknown as Record<symbol, unknown>)[COUNTED] === true) return;
      const status = isLlreconError(err) ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
      if (status >= 400 && status < 500) door.refuse(req.ip, kind, status === 415 ? 'content_type' : 'invalid_body');
    });
    scope.post(path, { bodyLimit: NOTIFY_BODY_LIMIT, schema: NOTIFY_SCHEMAS[kind] }, async (req, reply) => {
      let raw: string;
      try {
        raw = rawJsonObject(req.body);
      } catch (err) {
        if (!isLlreconError(err)) throw err;
        throw refusalError(door, req, reply, kind, 'invalid_body', err);
      }
      const screened = door.screen(raw);
      if (!screened.verified)
        throw refusalError(
          door,
          req,
          reply,
          kind,
          screened.reason,
          new LlreconError(
            'LLRECON_CALLBACK_UNVERIFIED',
            `the callback does not verify with LianLian's key for this merchant (${screened.reason})`,
          ),
          screened,
        );
      await queue(engine, req, raw, kind);
      return reply.send(kind === 'async' ? NOTIFY_ACK : { ok: true });
    });
  };
}

/** `POST /notify/lianlian` and `POST /notify/lianlian/return`, each ≤ NOTIFY_BODY_LIMIT. */
export const notifyRoutes: FastifyPluginAsync<{ engine: Engine }> = async (app, { engine }) => {
  const allowed = sourceList(engine.config.notifyAllowedSources);
  await app.register(callbackRoute(engine, allowed, 'async'));
  await app.register(callbackRoute(engine, allowed, 'return'));
};
