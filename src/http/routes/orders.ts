// The orders API (bearer token): start tracking orders, read one order with its history, ask for a re-query.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { decodeUtf8Body } from '../../utf8.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError, fieldError } from '../../errors.js';
import { Access, principalOf, recordedActor } from '../access.js';
import { requireUser } from '../auth.js';
import { withinRedisDeadline } from '../redis-deadline.js';

type StoredOrder = NonNullable<Awaited<ReturnType<Engine['store']['get']>>>;
type StoredHistoryEntry = Awaited<ReturnType<Engine['store']['history']>>[number];

/** Longest `actor` / `reason` accepted from a caller. */
const MAX_NOTE = 200;

/** Optional header naming who posts orders (recorded in the order's history, as a re-query's `actor` is). */
const ACTOR_HEADER = 'x-llrecon-actor';

/** Epoch ms → RFC 3339 UTC (`…Z`); null stays null. */
function rfc3339(ms: number | null | undefined): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** One history entry as the API shows it: state changes with time, ret_code, state, via; operator actions. */
function historyView(e: StoredHistoryEntry): Record<string, unknown> {
  const time = rfc3339(e.at);
  if (e.kind === 'action') return { time, kind: e.kind, action: e.action ?? null, actor: e.actor ?? null, reason: e.reason ?? null };
  return {
    time,
    kind: e.kind,
    state: e.to ?? e.state ?? null,
    previous_state: e.from ?? null,
    ret_code: e.ret_code ?? null,
    ret_msg: e.ret_msg ?? null,
    via: e.via ?? null,
    ...(e.kind === 'tracked' ? { actor: e.actor ?? null } : {}),
  };
}

/** `GET /orders/:no_order`'s body: every key present, null when unknown. */
function orderView(o: StoredOrder, history: StoredHistoryEntry[]): Record<string, unknown> {
  return {
    no_order: o.no_order,
    state: o.state,
    ret_code: o.ret_code ?? null,
    ret_msg: o.ret_msg ?? null,
    money_order: o.money_order ?? null,
    oid_paybill: o.oid_paybill ?? null,
    dt_order: o.dt_order,
    polls: o.polls ?? 0,
    next_poll_at: rfc3339(o.next_poll_at),
    final: o.final,
    history: history.map(historyView),
  };
}

/** An optional short note (`actor`, `reason`): a string of at most MAX_NOTE characters, or absent. */
function note(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fieldError(field, 'must be a string');
  if (value.length > MAX_NOTE) throw fieldError(field, `at most ${MAX_NOTE} characters`);
  return value === '' ? undefined : value;
}

/** The optional re-query body `{"reason":"…","actor":"…"}`. */
function requeryBody(body: unknown): { actor?: string; reason?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new LlreconError('LLRECON_NOT_AN_OBJECT', 'expected {"reason":"…","actor":"…"} or no body');
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (key !== 'reason' && key !== 'actor') throw fieldError(key, 'unknown field (expected reason, actor)');
  const actor = note(fields.actor, 'actor');
  const reason = note(fields.reason, 'reason');
  return { ...(actor === undefined ? {} : { actor }), ...(reason === undefined ? {} : { reason }) };
}

function headerActor(req: FastifyRequest): { actor?: string } {
  const raw = req.headers[ACTOR_HEADER];
  const actor = note(Array.isArray(raw) ? raw.join(',') : raw, ACTOR_HEADER);
  return actor === undefined ? {} : { actor };
}

/** JSON bodies only (`application/json`, UTF-8); an empty body is no body (a re-query needs none). */
function acceptJsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(body as Buffer);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    if (text === '') done(null, undefined);
    else parseJson(req, text, done);
  });
}

/** Who is recorded for this request: the token's user, with a caller-given name as a claim (see recordedActor). */
function actorOf(req: FastifyRequest, given?: string): { actor: string } {
  const p = principalOf(req);
  return { actor: p === null ? (given ?? '?') : recordedActor(p, given) };
}

/**
 * `POST /orders`, `GET /orders/:no_order`, `POST /orders/:no_order/requery`, all behind a user's bearer token
 * (reads: any user; changes: an operator).
 */
export const orderRoutes: FastifyPluginAsync<{ engine: Engine; access?: Access }> = async (app, { engine, access }) => {
  acceptJsonOnly(app);
  app.addHook('onRequest', requireUser(access ?? Access.for(engine)));

  const redis = <T>(what: string, work: () => Promise<T>): Promise<T> => withinRedisDeadline(engine.redisReady, what, work);

  app.post('/orders', async (req, reply) => {
    const actor = actorOf(req, headerActor(req).actor);
    const result = await redis('the orders', () => engine.track(req.body, { source: 'api', ...actor }));
    return reply.code(202).send({ accepted: result.accepted, duplicates: result.duplicates });
  });

  app.get<{ Params: { no_order: string } }>('/orders/:no_order', async (req, reply) => {
    const no = req.params.no_order;
    const found = await redis('the order', async () => {
      const order = await engine.store.get(no);
      return order === null ? null : { order, history: await engine.store.history(no) };
    });
    if (found === null) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
    const { order, history } = found;
    return reply.header('cache-control', 'no-store').send(orderView(order, history));
  });

  app.post<{ Params: { no_order: string } }>('/orders/:no_order/requery', async (req, reply) => {
    const no = req.params.no_order;
    const given = { ...headerActor(req), ...requeryBody(req.body) };
    const meta = { ...given, ...actorOf(req, given.actor) };
    const queued = await redis('the re-query', () => engine.requery(no, { source: 'api', ...meta }));
    if (!queued) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
    return reply.code(202).send({ requeued: no });
  });
};
