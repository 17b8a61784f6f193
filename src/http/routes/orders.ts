// The orders API (bearer token): start tracking orders, list them, read one order with its history, ask for a
// re-query, stop tracking one on purpose.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { decodeUtf8Body } from '../../utf8.js';
import type { Engine } from '../../engine-types.js';
import { LlreconError, fieldError } from '../../errors.js';
import { Access, principalOf, recordedActor } from '../access.js';
import { requireUser } from '../auth.js';
import { ROUTE_SCHEMAS } from '../openapi-routes.js';
import { withinRedisDeadline } from '../redis-deadline.js';
import { PAGE_DEFAULT, PAGE_MAX, parseStateFilter, type OrderPageQuery, type PagedOrder } from '../../store/order-page.js';

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

/** An order without its history (`GET /orders`'s items): every key present, null when unknown. */
function orderSummary(o: StoredOrder, untrackedAt: number | null): Record<string, unknown> {
  return {
    no_order: o.no_order,
    state: o.state,
    ret_code: o.ret_code ?? null,
    ret_msg: o.ret_msg ?? null,
    money_order: o.money_order ?? null,
    oid_paybill: o.oid_paybill ?? null,
    dt_order: o.dt_order,
    polls: o.polls ?? 0,
    next_poll_at: untrackedAt === null ? rfc3339(o.next_poll_at) : null,
    final: o.final,
    tracked_at: rfc3339(o.tracked_at),
    untracked: untrackedAt !== null,
    untracked_at: rfc3339(untrackedAt),
  };
}

/** `GET /orders/:no_order`'s body: the summary and the history. */
function orderView(o: StoredOrder, untrackedAt: number | null, history: StoredHistoryEntry[]): Record<string, unknown> {
  return { ...orderSummary(o, untrackedAt), history: history.map(historyView) };
}

const LIST_PARAMS = ['state', 'since', 'cursor', 'limit'];

/** `GET /orders`' query string, or a 400 naming the parameter at fault. */
function listQuery(query: unknown): OrderPageQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q))
    if (!LIST_PARAMS.includes(key)) throw fieldError(key, `unknown parameter (expected ${LIST_PARAMS.join(', ')})`);
  const one = (key: string): string | undefined => {
    const v = q[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw fieldError(key, 'give it once');
    return v;
  };
  const out: OrderPageQuery = { limit: PAGE_DEFAULT };
  const limit = one('limit');
  if (limit !== undefined) {
    if (!/^\d{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > PAGE_MAX)
      throw fieldError('limit', `a whole number from 1 to ${PAGE_MAX}`);
    out.limit = Number(limit);
  }
  const state = one('state');
  if (state !== undefined && state !== '') out.state = parseStateFilter(state);
  const since = one('since');
  if (since !== undefined && since !== '') {
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(since) ? Date.parse(since) : NaN;
    if (!Number.isFinite(ms)) throw fieldError('since', 'an RFC 3339 time with its offset, e.g. 2026-11-24T02:30:00Z');
    out.since = ms;
  }
  const cursor = one('cursor');
  if (cursor !== undefined && cursor !== '') out.cursor = cursor;
  return out;
}

/** The untrack body `{"reason":"…","actor"?:"…"}`: a reason is required. */
function untrackBody(body: unknown): { actor?: string; reason: string } {
  if (body === undefined || body === null)
    throw new LlreconError('LLRECON_MISSING_FIELD', 'reason: say why, in a body {"reason":"…"}', { field: 'reason' });
  const given = requeryBody(body);
  if (given.reason === undefined || given.reason.trim() === '')
    throw new LlreconError('LLRECON_MISSING_FIELD', 'reason: say why the order stops being tracked', { field: 'reason' });
  return { ...given, reason: given.reason };
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
 * `POST /orders`, `GET /orders`, `GET /orders/:no_order`, `POST /orders/:no_order/requery`, `DELETE
 * /orders/:no_order`, all behind a user's bearer token (reads: any user; changes: an operator).
 */
export const orderRoutes: FastifyPluginAsync<{ engine: Engine; access?: Access }> = async (app, { engine, access }) => {
  acceptJsonOnly(app);
  app.addHook('onRequest', requireUser(access ?? Access.for(engine)));

  const redis = <T>(what: string, work: () => Promise<T>): Promise<T> => withinRedisDeadline(engine.redisReady, what, work);

  app.post('/orders', { schema: ROUTE_SCHEMAS.track }, async (req, reply) => {
    const actor = actorOf(req, headerActor(req).actor);
    const result = await redis('the orders', () => engine.track(req.body, { source: 'api', ...actor }));
    return reply.code(202).send({ accepted: result.accepted, duplicates: result.duplicates });
  });

  app.get<{ Params: { no_order: string } }>('/orders/:no_order', { schema: ROUTE_SCHEMAS.get }, async (req, reply) => {
    const no = req.params.no_order;
    const found = await redis('the order', async () => {
      const order = await engine.store.get(no);
      if (order === null) return null;
      const [history, untrackedAt] = await Promise.all([engine.store.history(no), engine.untrackedAt(no)]);
      return { order, history, untrackedAt };
    });
    if (found === null) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
    const { order, history, untrackedAt } = found;
    return reply.header('cache-control', 'no-store').send(orderView(order, untrackedAt, history));
  });

  app.get('/orders', { schema: ROUTE_SCHEMAS.list }, async (req, reply) => {
    const q = listQuery(req.query);
    const page = await redis('the orders', () => engine.listOrders(q));
    return reply
      .header('cache-control', 'no-store')
      .send({ orders: page.orders.map((o: PagedOrder) => orderSummary(o, o.untracked_at)), next_cursor: page.next_cursor });
  });

  app.delete<{ Params: { no_order: string } }>('/orders/:no_order', { schema: ROUTE_SCHEMAS.untrack }, async (req, reply) => {
    const no = req.params.no_order;
    const given = { ...headerActor(req), ...untrackBody(req.body) };
    const meta = { ...given, ...actorOf(req, given.actor) };
    const r = await redis('the order', () => engine.untrack(no, { source: 'api', ...meta }));
    if (r === null) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
    return reply.send({
      no_order: r.no_order,
      state: r.state,
      untracked: true,
      untracked_at: rfc3339(r.untracked_at),
      already: r.already,
      event_id: r.event_id,
    });
  });

  app.post<{ Params: { no_order: string } }>('/orders/:no_order/requery', { schema: ROUTE_SCHEMAS.requery }, async (req, reply) => {
    const no = req.params.no_order;
    const given = { ...headerActor(req), ...requeryBody(req.body) };
    const meta = { ...given, ...actorOf(req, given.actor) };
    const queued = await redis('the re-query', async () => {
      if ((await engine.untrackedAt(no)) !== null)
        throw new LlreconError('LLRECON_ORDER_UNTRACKED', `order ${no} was untracked: post it again to track it again`);
      return engine.requery(no, { source: 'api', ...meta });
    });
    if (!queued) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
    return reply.code(202).send({ requeued: no });
  });
};
